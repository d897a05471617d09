/**
 * How a report writes names and numbers, the same way in HTML tables, Markdown and plot labels:
 * memory in MB (10⁶ bytes), accuracy and rates in %, time in seconds.
 *
 * @since 0.1.0
 */
import { Architecture } from "@spikernel/core"

/**
 * `{1,3}`: a kernel set as the paper writes it.
 *
 * @since 0.1.0
 */
export const kernelsLabel = (kernels: ReadonlyArray<number>): string => `{${kernels.join(",")}}`

/**
 * `{3,5} 0302 0030 3003 0000`, prefixed by the cell type when it is not the usual backward cell.
 *
 * @since 0.1.0
 */
export const architectureLabel = (arch: Architecture.Architecture): string =>
  `${arch.cellType === "backward" ? "" : `${arch.cellType} `}${kernelsLabel(arch.kernels)} ${Architecture.formatArchitecture(arch)}`

/**
 * Megabytes (10⁶ bytes), the unit of every memory figure in a report.
 *
 * @since 0.1.0
 */
export const megabytes = (bytes: number): number => bytes / 1e6

/**
 * `12.35 MB`.
 *
 * @since 0.1.0
 */
export const formatMegabytes = (bytes: number): string => `${megabytes(bytes).toFixed(2)} MB`

/**
 * `91.24 %` for a fraction of 0.9124.
 *
 * @since 0.1.0
 */
export const formatPercent = (fraction: number, digits = 2): string =>
  Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)} %` : "—"

/**
 * `1,234.5 s`: seconds with one decimal and thousands separators.
 *
 * @since 0.1.0
 */
export const formatSeconds = (seconds: number): string =>
  Number.isFinite(seconds)
    ? `${seconds.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`
    : "—"

/**
 * `20,624,500`: an integer count with thousands separators.
 *
 * @since 0.1.0
 */
export const formatCount = (count: number): string => count.toLocaleString("en-US")

/**
 * A score or coefficient with a fixed number of decimals; `−∞`, `+∞` and `—` (NaN) otherwise.
 *
 * @since 0.1.0
 */
export const formatNumber = (value: number, digits = 2): string =>
  Number.isNaN(value)
    ? "—"
    : value === Number.POSITIVE_INFINITY
      ? "+∞"
      : value === Number.NEGATIVE_INFINITY
        ? "−∞"
        : value.toFixed(digits)

/**
 * `×14.2`: a speed-up factor.
 *
 * @since 0.1.0
 */
export const formatSpeedup = (factor: number): string =>
  Number.isFinite(factor) ? `×${factor.toFixed(1)}` : "—"
