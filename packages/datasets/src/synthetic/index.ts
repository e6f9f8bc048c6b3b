export { type FacadeOpening, facadeClassIds, facadeOpenings } from './facade-openings.js';
export {
  FACADE_CLASSES,
  FACADE_PALETTE,
  type FacadeClass,
  type FacadeSample,
  facades,
} from './facades.js';
export { type GlyphSample, type GlyphsOptions, glyphs } from './glyphs.js';
export { type IntrinsicsSample, intrinsics } from './intrinsics.js';
export {
  DEPTH_FAR,
  SCENE_MOTIONS,
  type SceneFrame,
  type SceneMotion,
  type SceneSample,
  type ScenesOptions,
  type SceneVideo,
  type SceneVideoOptions,
  scenes,
  sceneVideo,
} from './scenes.js';
export { type SeasonsDataset, type SeasonsSample, seasons } from './seasons.js';
export {
  SHAPE_CLASSES,
  SHAPE_COLOUR_RGB,
  SHAPE_COLOURS,
  SHAPE_RELATIONS,
  type ShapeClass,
  type ShapeColour,
  type ShapesSample,
  shapes,
} from './shapes.js';
export { type SketchesSample, sketches } from './sketches.js';
export {
  TEXTURE_KINDS,
  type TextureKind,
  type TextureSample,
  type TexturesOptions,
  textures,
} from './textures.js';
