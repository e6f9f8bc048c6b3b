import { ArgumentError, describe, tf } from '@atelier/core';
import type { Dataset } from '@atelier/datasets';

/** The first `count` samples' `field` stacked into one tensor [count, ...] (held-out sets). */
export async function stackField(
  dataset: Dataset<unknown>,
  field: string,
  count = dataset.size ?? 0,
): Promise<tf.Tensor> {
  if (
    !Number.isSafeInteger(count) ||
    count < 1 ||
    (dataset.size !== undefined && count > dataset.size)
  )
    throw new ArgumentError(
      `stackField: count must be in [1, ${dataset.size}], got ${describe(count)}`,
    );
  const items: tf.Tensor[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const sample = (await dataset.get(i)) as Record<string, tf.Tensor> | undefined;
      const t = sample?.[field];
      if (!(t instanceof tf.Tensor))
        throw new ArgumentError(`stackField: sample ${i} has no tensor '${field}'`);
      for (const [k, v] of Object.entries(sample!))
        if (k !== field && v instanceof tf.Tensor) v.dispose();
      items.push(t);
    }
    return tf.stack(items);
  } finally {
    tf.dispose(items);
  }
}
