import { ArgumentError, describe, type Rng, rng } from '@atelier/core';

/**
 * The caption encoder the package ships. StackGAN's reference reads precomputed
 * char-CNN-RNN sentence embeddings (Reed et al.), which cannot be had offline; here a
 * caption becomes a fixed vector: its words and word pairs (with start and end marks,
 * so "red sphere above" differs from "above a red") are counted, and each counted
 * feature adds its own seeded random ±1 vector (a random projection of the
 * bag-of-unigrams-and-bigrams, hashed by the rng's fork label), then the sum is scaled
 * to a root-mean-square of 1 per component (so the augmentation's fc, initialised
 * N(0, 0.02) as the reference, sees more than noise from the start). Deterministic,
 * not learned, the same on every backend: a run's `generate --caption` reproduces its
 * training embeddings without weights to carry. On the synthetic captions (one grammar,
 * each content word one attribute) distinct words get nearly orthogonal parts, so the
 * attributes stay linearly separable and conditioning augmentation learns what to read
 * from them; it knows no synonyms (the reference's char-CNN-RNN does): real captions
 * should come as a learned encoder's precomputed embeddings.
 */
export interface CaptionEncoderOptions {
  /** Length of the embedding (default 256). */
  dim?: number;
  /** Seed of the projection (default 0): the same seed gives the same embeddings. */
  seed?: number;
}

export interface CaptionEncoder {
  readonly dim: number;
  readonly seed: number;
  /** One caption -> its embedding [dim]. */
  encode(caption: string): Float32Array;
}

/** Lower-case words, punctuation dropped. */
export function captionTokens(caption: string): string[] {
  return caption
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 0);
}

/** The counted features: every word and every neighbouring pair (with <s>, </s>). */
export function captionFeatures(caption: string): string[] {
  const words = captionTokens(caption);
  const marked = ['<s>', ...words, '</s>'];
  const pairs = marked.slice(1).map((w, i) => `${marked[i]} ${w}`);
  return [...words, ...pairs];
}

export function captionEncoder(options: CaptionEncoderOptions = {}): CaptionEncoder {
  const dim = options.dim ?? 256;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(dim) || dim < 1)
    throw new ArgumentError(`captionEncoder: dim must be an integer >= 1, got ${describe(dim)}`);
  if (!Number.isSafeInteger(seed))
    throw new ArgumentError(`captionEncoder: seed must be an integer, got ${describe(seed)}`);
  const root: Rng = rng(seed).fork('caption features');
  const cache = new Map<string, Float32Array>();
  const featureVector = (feature: string): Float32Array => {
    let v = cache.get(feature);
    if (!v) {
      const r = root.fork(feature);
      v = new Float32Array(dim);
      for (let i = 0; i < dim; i++) v[i] = r.float() < 0.5 ? -1 : 1;
      cache.set(feature, v);
    }
    return v;
  };
  return {
    dim,
    seed,
    encode(caption) {
      if (typeof caption !== 'string' || captionTokens(caption).length === 0) {
        throw new ArgumentError(
          `captionEncoder: expected a caption with at least one word, got ${describe(caption)}`,
        );
      }
      const out = new Float32Array(dim);
      for (const f of captionFeatures(caption)) {
        const v = featureVector(f);
        for (let i = 0; i < dim; i++) out[i]! += v[i]!;
      }
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += out[i]! * out[i]!;
      const scale = Math.sqrt(dim / (norm || 1));
      for (let i = 0; i < dim; i++) out[i]! *= scale;
      return out;
    },
  };
}
