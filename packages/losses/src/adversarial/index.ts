// The adversarial losses as one namespace: adversarial.generator / adversarial.discriminator.
export { type DiscriminatorLossOptions, discriminator } from './discriminator.js';
export { type GeneratorLossOptions, generator } from './generator.js';
export { ADVERSARIAL_KINDS, type AdversarialKind } from './kinds.js';
