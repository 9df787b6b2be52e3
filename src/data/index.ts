/**
 * The data layer: real MNIST (bundled IDX files) with Poisson encoding, DVS128 Gesture readers (AEDAT 3.1 and
 * Tonic .npy) with the paper's preprocessing and an on-disk frame cache, synthetic event data, and seeded
 * splits. Engines consume everything through {@link SpikeDataset}. See docs/data.md.
 */
export type { SpikeDataset } from './dataset.js';
export { subsetDataset, datasetLabels } from './dataset.js';
export type { SpikeTrains } from './spikes.js';
export { spikeCount, activeAt, toDenseTimeMajor, toDenseInputMajor, fromDenseTimeMajor } from './spikes.js';
export { PoissonEncoder, POISSON_PRESETS, expectedSpikeCount, type PoissonOptions } from './poisson.js';
export { parseIdx, readIdx, encodeIdx, type IdxArray } from './idx.js';
export {
  openMnist,
  loadMnist,
  loadImageSet,
  mnistDataDir,
  idxPairPaths,
  imageAt,
  PoissonImageDataset,
  type ImageSet,
  type MnistSplits,
  type OpenMnistOptions,
} from './mnist.js';
export {
  trainValidationSplit,
  stratifiedSubset,
  permutation,
  classCounts,
  hashIndices,
  type TrainValidationSplit,
  type SplitOptions,
} from './split.js';
export { DvsGestureDataset, openDvsGesture, sampleKey, type DvsGestureOptions, type DvsGestureSplits } from './dvs/dataset.js';
export {
  indexGesture,
  GestureRecordings,
  readTonicNpy,
  parseLabelsCsv,
  GESTURE_CLASSES,
  N_GESTURE_CLASSES,
  type GestureEntry,
  type GestureIndex,
  type GestureFormat,
  type DuplicateClassPolicy,
} from './dvs/gesture.js';
export { readAedat31, parseAedat31, encodeAedat31, type AedatRecording, type AedatReadOptions } from './dvs/aedat.js';
export { readNpy, parseNpy, encodeNpy, type NpyArray } from './dvs/npy.js';
export { denoise, toFrame, binarize, toBinaryTrains, timeBins, preprocess, PAPER_PREPROCESSING, type Binning, type PreprocessOptions } from './dvs/transforms.js';
export { FrameCache, defaultCacheDir, encodeTrains, decodeTrains } from './dvs/cache.js';
export { writeSyntheticGestureDataset, synthesizeGesture, userStyle, jitterStyle, type SyntheticOptions } from './dvs/synthetic.js';
export {
  SyntheticGestureDataset,
  openSyntheticDvsGesture,
  GESTURE_SPLIT_SIZES,
  type SyntheticGestureDatasetOptions,
  type SyntheticGestureSplits,
} from './dvs/synthetic-dataset.js';
export { DVS128, type DvsEvents, type DvsSample, type SensorSize } from './dvs/events.js';
