/*
 * junyanz's networks (define_G, define_D, the --netG names) live in @atelier/blocks; this
 * file re-exports them for the harness files that still import them from here.
 */
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
} from '@atelier/blocks';
