import { tf } from '@atelier/core';
import { el } from './dom.js';

/** Draws an RGB image [H, W, 3] with values in [0, 255] onto a canvas (resized to it). */
export async function drawImage(canvas: HTMLCanvasElement, image: tf.Tensor3D): Promise<void> {
  const unit = tf.tidy(() => tf.clipByValue(tf.div(tf.cast(image, 'float32'), 255), 0, 1));
  try {
    await tf.browser.toPixels(unit as tf.Tensor3D, canvas);
  } finally {
    unit.dispose();
  }
}

/** An uploaded image file as RGB [H, W, 3] float32 in [0, 255]. */
export async function readImageFile(file: File): Promise<tf.Tensor3D> {
  const bitmap = await createImageBitmap(file);
  try {
    return tf.tidy(() => tf.cast(tf.browser.fromPixels(bitmap, 3), 'float32') as tf.Tensor3D);
  } finally {
    bitmap.close();
  }
}

/** A canvas that shows pictures as they change, with a caption. */
export function figure(caption: string): { figure: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el('canvas', { width: 1, height: 1, class: 'picture' });
  return { canvas, figure: el('figure', {}, canvas, el('figcaption', {}, caption)) };
}
