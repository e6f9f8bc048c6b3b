import { collate, type Dataset } from '@atelier/datasets';

/** The first `n` samples of a dataset (epoch 0) as one batch. */
export async function collect<T>(dataset: Dataset<unknown>, n: number): Promise<T> {
  const samples = await Promise.all(Array.from({ length: n }, (_, i) => dataset.get(i, 0)));
  return collate(samples as never) as T;
}
