/** What the style commands read: images and the feature network. */
import { readImage, type tf } from '@atelier/core';
import { type FeatureNetwork, randomNetwork, vggNetwork } from '@atelier/style';

export async function readRgb(path: string): Promise<tf.Tensor3D> {
  return readImage(path, { channels: 3 });
}

/** The feature network: VGG from --vgg weights, else the embedded random network. */
export async function featureNetwork(options: {
  vgg?: string;
  preprocessing?: 'torchvision' | 'caffe';
  seed: number;
}): Promise<FeatureNetwork> {
  if (options.vgg) {
    return vggNetwork({
      weights: options.vgg,
      ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
    });
  }
  return randomNetwork({ seed: options.seed });
}
