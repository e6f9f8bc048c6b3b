import { ShapeError, tf } from '@atelier/core';
import { disposeElement, type Element } from './elements.js';

function collateField(values: unknown[], path: string): unknown {
  const first = values[0];
  if (first instanceof tf.Tensor) {
    values.forEach((v, i) => {
      if (!(v instanceof tf.Tensor) || v.shape.join() !== first.shape.join()) {
        throw new ShapeError(
          `batch: field ${path || '(element)'} of sample ${i} is ${v instanceof tf.Tensor ? `[${v.shape.join(', ')}]` : typeof v}, sample 0 is [${first.shape.join(', ')}]; a batch needs equal shapes`,
        );
      }
    });
    return tf.stack(values as tf.Tensor[]);
  }
  if (typeof first === 'number') {
    const numbers = values as number[];
    return tf.tensor1d(numbers, numbers.every(Number.isInteger) ? 'int32' : 'float32');
  }
  if (typeof first === 'boolean') return tf.tensor1d(values as boolean[], 'bool');
  if (Array.isArray(first)) {
    return first.map((_, k) =>
      collateField(
        values.map((v) => (v as unknown[])[k]),
        `${path}[${k}]`,
      ),
    );
  }
  if (first !== null && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateField(
        values.map((v) => (v as Record<string, unknown>)[key]),
        path ? `${path}.${key}` : key,
      );
    }
    return out;
  }
  // Strings (paths, captions) and anything else: a plain array.
  return values;
}

/**
 * Stacks samples into one batch: tensors along a new axis 0 (NHWC images from HWC),
 * numbers into an int32 (all integers) or float32 vector, strings into an array.
 * The samples' tensors are disposed; the batch owns new ones.
 */
export function collate<T extends Element>(samples: T[]): Element {
  try {
    // tidy: a shape error half-way leaves no stacked tensor behind.
    return tf.tidy(() => collateField(samples, '') as tf.TensorContainer) as Element;
  } finally {
    disposeElement(samples);
  }
}
