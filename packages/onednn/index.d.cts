/** 0: forward (x, filter → y); 1: backward-data (dy, filter → dx); 2: backward-weights (x, dy → dw). */
export type ConvKind = 0 | 1 | 2

/**
 * Runs one convolution in place on the three arrays. `dims`: n h w ci ho wo co kh kw sh sw pt pl pb pr
 * dh dw (NHWC activations, HWIO filters). Throws on a length that does not match the shape.
 */
export declare function conv(
  kind: ConvKind,
  dims: ReadonlyArray<number>,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array
): void
/** OpenMP threads of the calls that follow; returns the count. */
export declare function setThreads(threads: number): number
export declare function threads(): number
/** Cached primitives (one per kind, shape and thread count). */
export declare function cacheSize(): number
export declare function clearCache(): void
/** e.g. "2.6.3 (OpenMP)". */
export declare function version(): string
/** The `.node` file. */
export declare const path: string
