// @atelier/blocks: layers, the course's architecture elements, factories and initialisers.
// Tensors are NHWC; parameter names and layouts follow PyTorch, so converted PyTorch
// state dicts load with `loadStateDict(dict, { from: 'torch' })`.

// Blocks
export { Bottleneck, type BottleneckOptions } from './blocks/bottleneck.js';
export { Cbam, type CbamOptions, ChannelGate, SpatialGate } from './blocks/cbam.js';
export { ConvNormAct, type ConvNormActOptions } from './blocks/conv-norm-act.js';
export {
  DenseBlock,
  type DenseBlockOptions,
  DenseLayer,
  type DenseLayerOptions,
  Transition,
  type TransitionOptions,
} from './blocks/dense.js';
export {
  type ConvGeometry,
  DilatedStack,
  type DilatedStackOptions,
  receptiveField,
} from './blocks/dilated-stack.js';
export { InceptionBlock, type InceptionOptions } from './blocks/inception.js';
export {
  MultiHeadSelfAttention,
  type MultiHeadSelfAttentionOptions,
} from './blocks/multi-head-attention.js';
export { NonLocalBlock, type NonLocalOptions } from './blocks/non-local.js';
export { BasicBlock, type ResidualOptions } from './blocks/residual-basic.js';
export { ResNeXtBottleneck } from './blocks/resnext-bottleneck.js';
export { SelfAttention, type SelfAttentionOptions } from './blocks/self-attention.js';
export { conv1x1, SeparableConv, type SeparableConvOptions } from './blocks/separable-conv.js';
export { type AttentionOptions, SqueezeExcitation } from './blocks/squeeze-excitation.js';
export {
  type DownLayer,
  type LevelBlock,
  UNet,
  type UNetOptions,
  type UpLayer,
} from './blocks/unet.js';
// Factories
export {
  ACTIVATION_NAMES,
  type ActivationName,
  type ActivationOptions,
  type ActivationSpec,
  createActivation,
} from './factories/activation.js';
export {
  ATTENTION_NAMES,
  type AttentionFactoryOptions,
  type AttentionLayer,
  type AttentionName,
  type AttentionSpec,
  createAttention,
} from './factories/attention.js';
export {
  createNorm,
  NORM_NAMES,
  type NormLayer,
  type NormName,
  type NormOptions,
  type NormSpec,
} from './factories/norm.js';
export { UnknownNameError } from './factories/unknown-name.js';
// Initialisers
export { type Fans, torchFans } from './init/fans.js';
export { calculateGain, type Nonlinearity } from './init/gain.js';
export {
  INIT_TYPES,
  type InitType,
  type InitWeightsOptions,
  initWeights,
} from './init/init-weights.js';
export {
  type FanMode,
  type KaimingOptions,
  kaimingNormal,
  kaimingUniform,
  normalInit,
  orthogonal,
  torchDefaultBias,
  torchDefaultWeight,
  uniformInit,
  xavierNormal,
  xavierUniform,
} from './init/initializers.js';
// Layers
export {
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  ReLU,
  Sigmoid,
  Swish,
  Tanh,
} from './layers/activations.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './layers/batch-norm2d.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './layers/conv-transpose2d.js';
export {
  Conv2d,
  type Conv2dOptions,
  type ConvPadding,
  type PaddingMode,
} from './layers/conv2d.js';
export { Dropout, type DropoutOptions } from './layers/dropout.js';
export { EqualizedLr, type EqualizedLrOptions, equalizedLr } from './layers/equalized-lr.js';
export { GroupNorm, type GroupNormOptions } from './layers/group-norm.js';
export { InstanceNorm2d, type InstanceNorm2dOptions } from './layers/instance-norm2d.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { MinibatchStddev } from './layers/minibatch-stddev.js';
export { ReflectionPad2d, ReplicationPad2d, ZeroPad2d } from './layers/padding.js';
export { PixelNorm } from './layers/pixel-norm.js';
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, type PoolOptions } from './layers/pooling.js';
export { ReparametrizedWeight } from './layers/reparametrized-weight.js';
export { SpectralNorm, type SpectralNormOptions, spectralNorm } from './layers/spectral-norm.js';
export { Upsample, type UpsampleMode, type UpsampleOptions } from './layers/upsample.js';
export { isWeightedLayer, type WeightedLayer } from './layers/weighted.js';
// The GAN papers' networks: conditional GAN and AC-GAN, progressive GAN, junyanz's define_G/define_D
export {
  AuxiliaryDiscriminator,
  type AuxiliaryDiscriminatorOptions,
} from './nets/auxiliary-discriminator.js';
export {
  ConditionalDiscriminator,
  type ConditionalDiscriminatorOptions,
} from './nets/conditional-discriminator.js';
export {
  ConditionalGenerator,
  type ConditionalGeneratorOptions,
} from './nets/conditional-generator.js';
export { ConvEncoder, type ConvEncoderOptions } from './nets/conv-encoder.js';
// Networks (the papers' reference implementations, with their state-dict keys)
export { DCGANDiscriminator, type DCGANDiscriminatorOptions } from './nets/dcgan-discriminator.js';
export { DCGANGenerator, type DCGANGeneratorOptions } from './nets/dcgan-generator.js';
export type { DcganSize } from './nets/dcgan-size.js';
export { GAN_NORMS, type GanNorm } from './nets/gan-norm.js';
export {
  createDiscriminator,
  createGenerator,
  type DiscriminatorSpec,
  type GeneratorSpec,
  NET_D_NAMES,
  NET_G_EXAMPLES,
  type NetD,
  type NetG,
  type NetworkOptions,
  type ParsedNetG,
  parseNetG,
  sizeMultiple,
} from './nets/junyanz-nets.js';
export { LabelEmbedding, oneHot } from './nets/label-embedding.js';
export { LatentEncoder, type LatentPosterior } from './nets/latent-encoder.js';
export {
  MultiscaleDiscriminator,
  type MultiscaleDiscriminatorOptions,
} from './nets/multiscale-discriminator.js';
export { PatchDiscriminator, type PatchDiscriminatorOptions } from './nets/patch-discriminator.js';
export { PixelDiscriminator, type PixelDiscriminatorOptions } from './nets/pixel-discriminator.js';
export { ProganDBlock, ProganDiscriminator } from './nets/progan-discriminator.js';
export { ProganGBlock, ProganGenerator, type ProganNetOptions } from './nets/progan-generator.js';
export {
  downscale2d,
  fade,
  type ProganLevel,
  proganFmaps,
  proganLevels,
  upscale2d,
} from './nets/progan-resample.js';
export { ResnetBlock, type ResnetBlockOptions } from './nets/resnet-block.js';
export {
  EncoderBasicBlock,
  ResnetEncoder,
  type ResnetEncoderOptions,
} from './nets/resnet-encoder.js';
export { ResnetGenerator, type ResnetGeneratorOptions } from './nets/resnet-generator.js';
export {
  ConvLayer,
  ResidualBlock,
  TransformerNet,
  type TransformerNetOptions,
  UpsampleConvLayer,
} from './nets/transformer-net.js';
export {
  concatLatent,
  UnetBlockWithZ,
  type UnetBlockWithZOptions,
} from './nets/unet-block-with-z.js';
export { UnetGenerator, type UnetGeneratorOptions } from './nets/unet-generator.js';
export {
  type UnetLevel,
  UnetSkipConnectionBlock,
  type UnetSkipConnectionBlockOptions,
} from './nets/unet-skip-connection-block.js';
export {
  UnetZGenerator,
  type UnetZGeneratorOptions,
  WHERE_ADD,
  type WhereAdd,
} from './nets/unet-z-generator.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  VGG,
  type VGGOptions,
  type VggDepth,
  vggLayerNames,
} from './nets/vgg.js';
export type { Seed } from './seed.js';
