/**
 * `@spikernel/datasets`: DatasetLoader plugins for CIFAR-10/100 (binary), TinyImageNet-200, MNIST and
 * Fashion-MNIST (IDX, raw or gzipped), the bundled `fashion-mnist-mini` and `synthetic`; batches as
 * Effect Streams with seeded shuffling and augmentation; dataset fingerprints.
 *
 * @since 0.1.0
 */

/** Train-time crop and flip. */
export * as Augmentation from "./Augmentation.ts"
/** Batch streams over decoded data. */
export * as Batches from "./Batches.ts"
/** CIFAR-10 and CIFAR-100 (binary layout). */
export * as Cifar from "./Cifar.ts"
/** Decoded data in memory. */
export * as Dataset from "./Dataset.ts"
/** File reading and gunzip with typed errors. */
export * as DatasetFile from "./DatasetFile.ts"
/** The plugin shape and the loader service. */
export * as DatasetPlugin from "./DatasetPlugin.ts"
/** The bundled Fashion-MNIST subset. */
export * as FashionMnistMini from "./FashionMnistMini.ts"
/** Dataset fingerprints (sha256 of the decoded content). */
export * as Fingerprint from "./Fingerprint.ts"
/** The IDX format. */
export * as Idx from "./Idx.ts"
/** `data inspect` summaries. */
export * as Inspect from "./Inspect.ts"
/** The decoding benchmark behind `spikernel bench data`. */
export * as DecodeBench from "./DecodeBench.ts"
/** JPEG decoding. */
export * as Jpeg from "./Jpeg.ts"
/** MNIST and Fashion-MNIST (IDX). */
export * as Mnist from "./Mnist.ts"
/** Per-dataset normalisation constants. */
export * as Normalisation from "./Normalisation.ts"
/** The plugin list and spec → loader. */
export * as Plugins from "./Plugins.ts"
export { fromSpec, layerFromSpec, loadSpec, plugins } from "./Plugins.ts"
/** Seeded generated data. */
export * as Synthetic from "./Synthetic.ts"
/** TinyImageNet-200. */
export * as TinyImageNet from "./TinyImageNet.ts"
