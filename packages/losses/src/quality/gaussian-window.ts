/**
 * The 1-D Gaussian of scikit-image's SSIM with gaussian_weights=True: scipy.ndimage's
 * kernel truncated at 3.5σ, radius int(3.5σ + 0.5) (5 at σ = 1.5: 11 taps, Wang et
 * al.'s window), taps exp(-x² / 2σ²) normalised to sum 1.
 */
export function gaussianWindow(sigma: number): number[] {
  const radius = Math.floor(3.5 * sigma + 0.5);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)),
  );
  const sum = taps.reduce((s, t) => s + t, 0);
  return taps.map((t) => t / sum);
}
