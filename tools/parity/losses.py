"""Writes packages/losses/test/fixtures/losses.json: reference values (and gradients) of
every loss of @atelier/losses on small inputs, computed independently:

- PyTorch (float64): F.l1_loss, F.mse_loss, F.binary_cross_entropy_with_logits,
  torch.distributions.kl_divergence, F.triplet_margin_loss, F.grid_sample (the warp),
  torch.autograd.grad with create_graph=True (WGAN-GP, R1, R2, DRAGAN through a tiny
  fixed discriminator: 1x1 conv -> InstanceNorm2d -> LeakyReLU(0.2) -> AvgPool2d(2) ->
  1x1 conv, and the penalties' gradients with respect to its weights);
- scikit-image: peak_signal_noise_ratio, structural_similarity(gaussian_weights=True,
  sigma, use_sample_covariance=False, data_range, channel_axis=-1);
- NumPy / SciPy ports written from the papers and sources: artistic-videos'
  consistencyChecker.cpp (loops, as the C++ reads), multi-scale SSIM (scipy's
  gaussian_filter and skimage's crop, downsampling as TF's ssim_multiscale).

Run with Debian's PyTorch: /usr/bin/python3 tools/parity/losses.py
Images are stored NHWC (Atelier's layout), flattened, with their shapes. Inputs are
rounded to float32 first, so both sides start from the same numbers.
"""

import json
import math
import pathlib

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

OUT = pathlib.Path(__file__).resolve().parents[2] / "packages/losses/test/fixtures/losses.json"
torch.manual_seed(5)
rs = np.random.RandomState(5)
fixture = {}


def f32(a):
    """A float64 array holding float32-representable values."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def pack(a):
    a = np.asarray(a.detach().numpy() if torch.is_tensor(a) else a, dtype=np.float64)
    # Ten significant digits: exact for the float32 inputs, far below every tolerance.
    return {"shape": list(a.shape), "data": [float(f"{v:.10g}") for v in a.reshape(-1)]}


def nchw(a):
    return a.permute(0, 3, 1, 2)


def nhwc(a):
    return a.permute(0, 2, 3, 1)


def scalar(t):
    return float(t.detach()) if torch.is_tensor(t) else float(t)


# --- pixel ---------------------------------------------------------------------------
a = f32(rs.rand(2, 4, 5, 3))
b = f32(rs.rand(2, 4, 5, 3))
w = f32(rs.rand(2, 4, 5, 1) * 2)
A, B, Wt = t64(a).requires_grad_(True), t64(b), t64(w)
mse = F.mse_loss(A, B)
(d_mse,) = torch.autograd.grad(mse, A)
charb = torch.sqrt((A - B) ** 2 + 1e-6).mean()
(d_charb,) = torch.autograd.grad(charb, A)
fixture["pixel"] = {
    "a": pack(a),
    "b": pack(b),
    "w": pack(w),
    "l1_mean": scalar(F.l1_loss(A, B)),
    "l1_sum": scalar(F.l1_loss(A, B, reduction="sum")),
    "l1_none": pack(F.l1_loss(A, B, reduction="none")),
    "l2_mean": scalar(mse),
    "l2_sum": scalar(F.mse_loss(A, B, reduction="sum")),
    "l2_grad": pack(d_mse),
    "charbonnier_mean": scalar(charb),
    "charbonnier_grad": pack(d_charb),
    "weighted_l1_mean": scalar((Wt * (A - B).abs()).mean()),
    "weighted_l1_weights": scalar((Wt * (A - B).abs()).sum() / (Wt.expand_as(A)).sum()),
    "weighted_l2_sum": scalar((Wt * (A - B) ** 2).sum()),
}

# --- distribution --------------------------------------------------------------------
mu = f32(rs.randn(3, 4))
logvar = f32(rs.randn(3, 4) * 0.7)
mu2 = f32(rs.randn(3, 4))
var2 = f32(rs.rand(3, 4) + 0.3)
Normal = torch.distributions.Normal
kl = torch.distributions.kl_divergence(Normal(t64(mu), torch.exp(0.5 * t64(logvar))), Normal(0.0, 1.0))
kl2 = torch.distributions.kl_divergence(
    Normal(t64(mu), torch.exp(0.5 * t64(logvar))), Normal(t64(mu2), torch.sqrt(t64(var2)))
)
fixture["kl"] = {
    "mu": pack(mu),
    "logvar": pack(logvar),
    "mu2": pack(mu2),
    "var2": pack(var2),
    "normal_none": pack(kl),
    "normal_batchmean": scalar(kl.sum() / 3),
    "normal_sum": scalar(kl.sum()),
    "normal_mean": scalar(kl.mean()),
    "gaussians_none": pack(kl2),
    "gaussians_batchmean": scalar(kl2.sum() / 3),
}

# --- adversarial (TF-GAN's definitions, written with PyTorch's losses) ---------------
r = f32(rs.randn(2, 3, 3, 1) * 2)
fk = f32(rs.randn(2, 3, 3, 1) * 2)
bce = F.binary_cross_entropy_with_logits


def gen_loss(kind, R, Fk, real_label=1.0, fake_label=0.0):
    if kind == "minimax":
        return -bce(Fk, torch.full_like(Fk, fake_label))
    if kind == "nonSaturating":
        return bce(Fk, torch.full_like(Fk, real_label))
    if kind == "lsgan":
        return 0.5 * F.mse_loss(Fk, torch.full_like(Fk, real_label))
    if kind in ("wasserstein", "hinge"):
        return -Fk.mean()
    if kind == "relativistic":
        return bce(Fk - R.mean(), torch.full_like(Fk, real_label)) + bce(
            R - Fk.mean(), torch.full_like(R, fake_label)
        )
    raise ValueError(kind)


def dis_loss(kind, R, Fk, real_label=1.0, fake_label=0.0, smoothing=0.0):
    target = real_label * (1 - smoothing) + smoothing / 2
    if kind in ("minimax", "nonSaturating"):
        return bce(R, torch.full_like(R, target)) + bce(Fk, torch.full_like(Fk, fake_label))
    if kind == "lsgan":
        return 0.5 * F.mse_loss(R, torch.full_like(R, real_label)) + 0.5 * F.mse_loss(
            Fk, torch.full_like(Fk, fake_label)
        )
    if kind == "wasserstein":
        return Fk.mean() - R.mean()
    if kind == "hinge":
        return F.relu(1 - R).mean() + F.relu(1 + Fk).mean()
    if kind == "relativistic":
        return bce(R - Fk.mean(), torch.full_like(R, target)) + bce(
            Fk - R.mean(), torch.full_like(Fk, fake_label)
        )
    raise ValueError(kind)


adv = {"real": pack(r), "fake": pack(fk), "cases": []}
settings = [({}, {})] + [
    ({"realLabel": 0.9, "fakeLabel": 0.1}, {"real_label": 0.9, "fake_label": 0.1}),
]
for kind in ["minimax", "nonSaturating", "lsgan", "wasserstein", "hinge", "relativistic"]:
    for js, py in settings:
        if js and kind in ("wasserstein", "hinge"):
            continue
        R = t64(r).requires_grad_(True)
        Fk = t64(fk).requires_grad_(True)
        g = gen_loss(kind, R, Fk, **py)
        dg_r, dg_f = torch.autograd.grad(g, [R, Fk], allow_unused=True)
        d = dis_loss(kind, R, Fk, **py)
        dd_r, dd_f = torch.autograd.grad(d, [R, Fk])
        adv["cases"].append(
            {
                "kind": kind,
                "options": js,
                "generator": scalar(g),
                "generator_grad_fake": pack(dg_f),
                "generator_grad_real": pack(dg_r) if dg_r is not None else None,
                "discriminator": scalar(d),
                "discriminator_grad_real": pack(dd_r),
                "discriminator_grad_fake": pack(dd_f),
            }
        )
for kind in ["minimax", "nonSaturating", "relativistic"]:
    R, Fk = t64(r), t64(fk)
    adv["cases"].append(
        {
            "kind": kind,
            "options": {"labelSmoothing": 0.2},
            "discriminator": scalar(dis_loss(kind, R, Fk, smoothing=0.2)),
        }
    )
fixture["adversarial"] = adv

# --- gradient penalties through a tiny fixed discriminator ---------------------------
N, H, W, C, K = 2, 4, 4, 2, 4


def draw_penalty_inputs(seed):
    g = np.random.RandomState(seed)
    w1_ = f32(g.randn(C, K) * 0.8)  # 1x1 conv C -> K as a [C, K] matrix (Atelier's layout)
    b1_ = f32(g.randn(K) * 0.1)
    w2_ = f32(g.randn(K, 1) * 0.8)
    b2_ = f32(g.randn(1) * 0.1)
    # The second sample at a smaller scale: the instance norm makes D scale-invariant,
    # so its gradient norm grows (about 1.3 against 0.5), on both sides of a target 0.9.
    scale = np.array([1.0, 0.4]).reshape(N, 1, 1, 1)
    real_ = f32((g.rand(N, H, W, C) * 2 - 1) * scale)
    fake_ = f32((g.rand(N, H, W, C) * 2 - 1) * scale)
    alpha_ = f32(g.rand(N))
    noise_ = f32(g.rand(N, H, W, C))
    return w1_, b1_, w2_, b2_, real_, fake_, alpha_, noise_


def kink_margin(w1_, b1_, real_, fake_, alpha_, noise_):
    """The smallest |pre-activation| of the leakyRelu over every point the tests
    evaluate D at. Finite differences of a gradient jump where a perturbation moves a
    pre-activation across the kink at 0, so the fixture keeps them away from it."""
    R, Fk, al = t64(real_), t64(fake_), t64(alpha_).reshape(N, 1, 1, 1)
    points = [R, Fk, Fk + al * (R - Fk), R + al * 0.5 * R.std(unbiased=False) * t64(noise_)]
    least = math.inf
    for x in points:
        h = F.conv2d(nchw(x), t64(w1_).t().reshape(K, C, 1, 1), t64(b1_))
        least = min(least, float(F.instance_norm(h, eps=1e-5).abs().min()))
    return least


penalty_seed = 0
while True:
    drawn = draw_penalty_inputs(penalty_seed)
    w1, b1, w2, b2, real, fake, alpha, noise = drawn
    if kink_margin(w1, b1, real, fake, alpha, noise) > 0.04:
        break
    penalty_seed += 1
print("penalty inputs from seed", penalty_seed, "margin", kink_margin(w1, b1, real, fake, alpha, noise))


def disc(x, W1, B1, W2, B2):
    """x NHWC -> patch logits NHWC [N, H/2, W/2, 1], with PyTorch's modules."""
    h = F.conv2d(nchw(x), W1.t().reshape(K, C, 1, 1), B1)
    h = F.instance_norm(h, eps=1e-5)
    h = F.leaky_relu(h, 0.2)
    h = F.avg_pool2d(h, 2)
    h = F.conv2d(h, W2.t().reshape(1, K, 1, 1), B2)
    return nhwc(h)


def penalty(kind, one_sided=False, target=1.0):
    params = [t64(v).requires_grad_(True) for v in (w1, b1, w2, b2)]
    R, Fk = t64(real), t64(fake)
    al = t64(alpha).reshape(N, 1, 1, 1)
    if kind == "wgan-gp":
        x = Fk + al * (R - Fk)
    elif kind == "dragan":
        x = R + al * 0.5 * R.std(unbiased=False) * t64(noise)
    elif kind == "r1":
        x = R
    else:
        x = Fk
    x = x.clone().requires_grad_(True)
    out = disc(x, *params)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    sq = (g**2).reshape(N, -1).sum(1)
    if kind in ("r1", "r2"):
        terms = sq
    else:
        gap = torch.sqrt(sq + 1e-10) - target
        terms = (F.relu(gap) if one_sided else gap) ** 2 / target**2
    value = terms.mean()
    # b2 never reaches the input gradient (and b1 is cancelled by the instance norm):
    # their penalty gradients are zero.
    grads = torch.autograd.grad(value, params, allow_unused=True)
    grads = [torch.zeros_like(p_) if gr is None else gr for p_, gr in zip(params, grads)]
    return {
        "value": scalar(value),
        "terms": pack(terms),
        "norms": pack(torch.sqrt(sq)),
        "grads": [pack(gr) for gr in grads],
    }




def second_order(kind, side):
    """grad of sum(v * dL/dx) with respect to x, w1 and w2, L the adversarial loss of D's
    logits on real and on x (the fake batch): what checkGrad(order 2) differentiates."""
    x = t64(fake).requires_grad_(True)
    W1 = t64(w1).requires_grad_(True)
    W2 = t64(w2).requires_grad_(True)
    logits_r = disc(t64(real), W1, t64(b1), W2, t64(b2))
    logits_f = disc(x, W1, t64(b1), W2, t64(b2))
    loss = gen_loss(kind, logits_r, logits_f) if side == "generator" else dis_loss(kind, logits_r, logits_f)
    (gx,) = torch.autograd.grad(loss, x, create_graph=True)
    return [pack(g) for g in torch.autograd.grad((gx * t64(projection_v)).sum(), [x, W1, W2])]


projection_v = f32(rs.randn(N, H, W, C))
fixture["adversarial"]["projection"] = pack(projection_v)
fixture["adversarial"]["second_order"] = {
    kind: {side: second_order(kind, side) for side in ("generator", "discriminator")}
    for kind in ["minimax", "nonSaturating", "lsgan", "wasserstein", "hinge", "relativistic"]
}

drift_params = [t64(v) for v in (w1, b1, w2, b2)]
fixture["penalty"] = {
    "w1": pack(w1),
    "b1": pack(b1),
    "w2": pack(w2),
    "b2": pack(b2),
    "real": pack(real),
    "fake": pack(fake),
    "alpha": pack(alpha),
    "noise": pack(noise),
    "logits_real": pack(disc(t64(real), *drift_params)),
    "wgan_gp": penalty("wgan-gp"),
    # A target between the samples' norms, so the one-sided hinge is active for some only.
    "wgan_gp_one_sided": penalty("wgan-gp", one_sided=True, target=0.9),
    "r1": penalty("r1"),
    "r2": penalty("r2"),
    "dragan": penalty("dragan"),
    "drift": scalar(0.001 * (disc(t64(real), *drift_params) ** 2).mean()),
}

# --- Gram, style, content, perceptual, total variation --------------------------------
feats = f32(rs.randn(2, 5, 4, 3))
Ft = t64(feats)


def gram(x, norm):
    n, h, w_, c = x.shape
    flat = x.reshape(n, h * w_, c)
    g = flat.transpose(1, 2) @ flat
    return g / {"chw": c * h * w_, "hw": h * w_, "none": 1}[norm]


layer_a = f32(rs.randn(2, 5, 4, 3))
layer_b = f32(rs.randn(2, 3, 2, 6))
style_a = f32(rs.randn(1, 6, 5, 3))
style_b = f32(rs.randn(1, 4, 3, 6))
style_value = 1.0 * F.mse_loss(gram(t64(layer_a), "chw"), gram(t64(style_a), "chw").expand(2, 3, 3)) + 0.5 * F.mse_loss(
    gram(t64(layer_b), "chw"), gram(t64(style_b), "chw").expand(2, 6, 6)
)
content_target_a = f32(rs.randn(2, 5, 4, 3))
content_value = F.mse_loss(t64(layer_a), t64(content_target_a))

# Perceptual loss over a small feature network (1x1 conv -> ReLU; 2x2 mean -> 1x1 conv).
p1 = f32(rs.randn(3, 4))
p2 = f32(rs.randn(4, 3))
px = f32(rs.rand(2, 4, 6, 3))
py = f32(rs.rand(2, 4, 6, 3))


def feature_net(x):
    f1 = F.relu(x @ t64(p1))
    f2 = nhwc(F.avg_pool2d(nchw(f1), 2)) @ t64(p2)
    return f1, f2


X = t64(px).requires_grad_(True)
fa1, fa2 = feature_net(X)
fb1, fb2 = feature_net(t64(py))
perc_l2 = F.mse_loss(fa1, fb1) + 0.3 * F.mse_loss(fa2, fb2)
(perc_grad,) = torch.autograd.grad(perc_l2, X)
perc_l1 = F.l1_loss(fa1.detach(), fb1) + 0.3 * F.l1_loss(fa2.detach(), fb2)

tv_x = f32(rs.randn(2, 5, 6, 3))
T = t64(tv_x)
dy = T[:, 1:] - T[:, :-1]
dx = T[:, :, 1:] - T[:, :, :-1]
tv_aniso = dy.abs().sum((1, 2, 3)) + dx.abs().sum((1, 2, 3))
tv_sq = (dy**2).sum((1, 2, 3)) + (dx**2).sum((1, 2, 3))
tv_iso = torch.sqrt(dy[:, :, :-1] ** 2 + dx[:, :-1] ** 2 + 1e-8).sum((1, 2, 3))

guide_f = f32(rs.randn(1, 4, 5, 3))
guides = f32(rs.rand(1, 4, 5, 2))
guide_f[0, 0, 0, 0] = 0.5
guided = []
for k in range(2):
    m = guides[0, :, :, k].reshape(-1, 1)
    fm = guide_f[0].reshape(-1, 3) * m
    guided.append(fm.T @ fm / (3 * (m**2).sum()))

fixture["style"] = {
    "features": pack(feats),
    "gram_chw": pack(gram(Ft, "chw")),
    "gram_hw": pack(gram(Ft, "hw")),
    "gram_none": pack(gram(Ft, "none")),
    "layer_a": pack(layer_a),
    "layer_b": pack(layer_b),
    "style_a": pack(style_a),
    "style_b": pack(style_b),
    "style_loss": scalar(style_value),
    "content_target_a": pack(content_target_a),
    "content_loss": scalar(content_value),
    "p1": pack(p1),
    "p2": pack(p2),
    "perceptual_x": pack(px),
    "perceptual_y": pack(py),
    "perceptual_l2": scalar(perc_l2),
    "perceptual_l2_grad": pack(perc_grad),
    "perceptual_l1": scalar(perc_l1),
    "tv_x": pack(tv_x),
    "tv_anisotropic": pack(tv_aniso),
    "tv_isotropic": pack(tv_iso),
    "tv_squared": pack(tv_sq),
    "guide_features": pack(guide_f),
    "guides": pack(guides),
    "guided_gram": pack(np.stack(guided)[None]),
}

# --- warp (grid_sample, align_corners=True) and the temporal loss --------------------
img = f32(rs.rand(2, 5, 6, 3))
flow = f32(rs.uniform(-2.5, 2.5, size=(2, 5, 6, 2)))
proj = f32(rs.randn(2, 5, 6, 3))


def torch_warp(image, fl, padding):
    n, h, w_, _ = image.shape
    gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w_, dtype=torch.float64), indexing="ij")
    x = gx + fl[..., 0]
    y = gy + fl[..., 1]
    grid = torch.stack([2 * x / (w_ - 1) - 1, 2 * y / (h - 1) - 1], dim=-1)
    out = F.grid_sample(nchw(image), grid, mode="bilinear", padding_mode=padding, align_corners=True)
    return nhwc(out)


warp_fix = {"image": pack(img), "flow": pack(flow), "projection": pack(proj)}
for padding in ["border", "zeros"]:
    I = t64(img).requires_grad_(True)
    Fl = t64(flow).requires_grad_(True)
    out = torch_warp(I, Fl, padding)
    dI, dF = torch.autograd.grad((out * t64(proj)).sum(), [I, Fl])
    warp_fix[padding] = {"out": pack(out), "grad_image": pack(dI), "grad_flow": pack(dF)}
cur = f32(rs.rand(2, 5, 6, 3))
mask = f32((rs.rand(2, 5, 6, 1) > 0.3) * rs.rand(2, 5, 6, 1))
warped = torch_warp(t64(img), t64(flow), "border")
warp_fix["current"] = pack(cur)
warp_fix["mask"] = pack(mask)
warp_fix["temporal"] = scalar((t64(mask) * (t64(cur) - warped) ** 2).mean())
fixture["warp"] = warp_fix


# --- occlusion: artistic-videos' consistencyChecker, as its C++ reads -----------------
def derivative(f, axis):
    """CDerivative(3) = [-0.5, 0, 0.5] with CFilter's mirrored border (edge repeated)."""
    n = f.shape[axis]
    out = np.zeros_like(f)
    for i in range(n):
        lo = i - 1 if i - 1 >= 0 else 0  # index -1 mirrors to 0
        hi = i + 1 if i + 1 < n else n - 1  # index n mirrors to n - 1
        sl = [slice(None)] * f.ndim
        sl[axis] = i
        a_ = [slice(None)] * f.ndim
        a_[axis] = lo
        b_ = [slice(None)] * f.ndim
        b_[axis] = hi
        out[tuple(sl)] = -0.5 * f[tuple(a_)] + 0.5 * f[tuple(b_)]
    return out


def consistency(flow1, flow2, smooth):
    hh, ww, _ = flow1.shape
    dxf = derivative(flow1, 1)
    dyf = derivative(flow1, 0)
    edge = (dxf**2).sum(-1) + (dyf**2).sum(-1)
    rel = np.full((hh, ww), 255.0)
    for ay in range(hh):
        for ax in range(ww):
            bx = ax + flow1[ay, ax, 0]
            by = ay + flow1[ay, ax, 1]
            x1, y1 = int(math.floor(bx)), int(math.floor(by))
            x2, y2 = x1 + 1, y1 + 1
            if x1 < 0 or x2 >= ww or y1 < 0 or y2 >= hh:
                rel[ay, ax] = 0.0
                continue
            ax_, ay_ = bx - x1, by - y1
            uv = []
            for ch in range(2):
                top = (1 - ax_) * flow2[y1, x1, ch] + ax_ * flow2[y1, x2, ch]
                bot = (1 - ax_) * flow2[y2, x1, ch] + ax_ * flow2[y2, x2, ch]
                uv.append((1 - ay_) * top + ay_ * bot)
            u, v = uv
            cx, cy = bx + u, by + v
            u2, v2 = flow1[ay, ax]
            if (cx - ax) ** 2 + (cy - ay) ** 2 >= 0.01 * (u2 * u2 + v2 * v2 + u * u + v * v) + 0.5:
                rel[ay, ax] = -255.0
                continue
            if edge[ay, ax] > 0.01 * (u2 * u2 + v2 * v2) + 0.002:
                rel[ay, ax] = 0.0
    if smooth > 0:
        r_ = int(math.ceil(2.0 * smooth))
        taps = np.exp(-(np.arange(-r_, r_ + 1) ** 2) / (2 * smooth * smooth))
        taps /= taps.sum()
        rel = ndi.correlate1d(rel, taps, axis=1, mode="reflect")
        rel = ndi.correlate1d(rel, taps, axis=0, mode="reflect")
    return np.clip(rel, 0, 255) / 255


hh, ww = 12, 14
yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float64)
# A smooth background motion and a moving square: the square occludes background,
# and its edges are motion boundaries.
back = np.stack([0.6 + 0.05 * xx, -0.4 + 0.03 * yy], -1)
square = (yy >= 4) & (yy < 8) & (xx >= 5) & (xx < 9)
back[square] = [2.2, 1.1]
forward = -back + rs.uniform(-0.05, 0.05, size=back.shape)
forward[2:4, 3:6] += [1.5, -1.0]  # an inconsistent patch
flow1 = f32(back)[None]
flow2 = f32(forward)[None]
fixture["occlusion"] = {
    "flow": pack(flow1),
    "reverse": pack(flow2),
    "hard": pack(consistency(flow1[0], flow2[0], 0)[None, :, :, None]),
    "smooth": pack(consistency(flow1[0], flow2[0], 0.8)[None, :, :, None]),
}

# --- metric learning -----------------------------------------------------------------
ea = f32(rs.randn(4, 3) * 0.5)
eb = f32(rs.randn(4, 3) * 0.5)
same = f32([1, 0, 1, 0])
Ea, Eb, S = t64(ea), t64(eb), t64(same)
d2 = ((Ea - Eb) ** 2).sum(1)
contrastive_terms = 0.5 * (S * d2 + (1 - S) * F.relu(1.5 - torch.sqrt(d2)) ** 2)
an = f32(rs.randn(5, 3))
po = f32(an + rs.randn(5, 3) * 0.6)
ne = f32(rs.randn(5, 3))
An, Po, Ne = t64(an), t64(po), t64(ne)
fixture["metric"] = {
    "a": pack(ea),
    "b": pack(eb),
    "same": pack(same),
    "contrastive_none": pack(contrastive_terms),
    "contrastive_mean": scalar(contrastive_terms.mean()),
    "anchor": pack(an),
    "positive": pack(po),
    "negative": pack(ne),
    "triplet_none": pack(F.triplet_margin_loss(An, Po, Ne, reduction="none")),
    "triplet_mean": scalar(F.triplet_margin_loss(An, Po, Ne)),
    "triplet_swap": scalar(F.triplet_margin_loss(An, Po, Ne, swap=True)),
    "triplet_p1": scalar(F.triplet_margin_loss(An, Po, Ne, p=1, margin=0.5)),
    "triplet_p3": scalar(F.triplet_margin_loss(An, Po, Ne, p=3)),
}

# --- quality: scikit-image ------------------------------------------------------------
def noisy(shape, scale, lo, hi):
    base = ndi.gaussian_filter(rs.rand(*shape), sigma=(0, 1.5, 1.5, 0)) * (hi - lo) + lo
    base = (base - base.min()) / (base.max() - base.min()) * (hi - lo) + lo
    other = np.clip(base + rs.randn(*shape) * scale, lo, hi)
    return f32(base), f32(other)


def sk_ssim(x, y, rng_, sigma=1.5):
    return [
        structural_similarity(
            x[i], y[i], gaussian_weights=True, sigma=sigma, use_sample_covariance=False,
            data_range=rng_, channel_axis=-1,
        )
        for i in range(x.shape[0])
    ]


qa, qb = noisy((2, 16, 17, 3), 0.08, 0.0, 1.0)
ga, gb = noisy((1, 13, 12, 1), 20.0, 0.0, 255.0)
sa, sb = noisy((2, 12, 12, 2), 0.3, -1.0, 1.0)


def ms_ssim_reference(x, y, rng_, weights, sigma=1.5):
    """Per image: per-channel cs (and ssim at the last scale) from scipy's gaussian filter
    (truncate 3.5, mode 'reflect') cropped by the window radius as skimage does; relu;
    product of powers; mean over channels. Downsampling: odd sizes padded by repeating
    the last row / column, then 2x2 means (TF's ssim_multiscale)."""
    c1, c2 = (0.01 * rng_) ** 2, (0.03 * rng_) ** 2
    radius = int(3.5 * sigma + 0.5)
    out = []
    for i in range(x.shape[0]):
        per_channel = []
        for ch in range(x.shape[3]):
            X, Y = x[i, :, :, ch], y[i, :, :, ch]
            prod = 1.0
            for j, wt in enumerate(weights):
                filt = lambda im: ndi.gaussian_filter(im, sigma, truncate=3.5, mode="reflect")
                ux, uy = filt(X), filt(Y)
                vx = filt(X * X) - ux * ux
                vy = filt(Y * Y) - uy * uy
                vxy = filt(X * Y) - ux * uy
                cs = (2 * vxy + c2) / (vx + vy + c2)
                lum = (2 * ux * uy + c1) / (ux**2 + uy**2 + c1)
                crop = (slice(radius, -radius), slice(radius, -radius))
                if j == len(weights) - 1:
                    prod *= max((lum * cs)[crop].mean(), 0.0) ** wt
                else:
                    prod *= max(cs[crop].mean(), 0.0) ** wt
                    if X.shape[0] % 2:
                        X, Y = np.vstack([X, X[-1:]]), np.vstack([Y, Y[-1:]])
                    if X.shape[1] % 2:
                        X, Y = np.hstack([X, X[:, -1:]]), np.hstack([Y, Y[:, -1:]])
                    X = (X[0::2, 0::2] + X[1::2, 0::2] + X[0::2, 1::2] + X[1::2, 1::2]) / 4
                    Y = (Y[0::2, 0::2] + Y[1::2, 0::2] + Y[0::2, 1::2] + Y[1::2, 1::2]) / 4
            per_channel.append(prod)
        out.append(float(np.mean(per_channel)))
    return out


# The reference's one-scale case must be skimage's SSIM itself.
one_scale = ms_ssim_reference(qa, qb, 1.0, [1.0])
assert np.allclose(one_scale, sk_ssim(qa, qb, 1.0), atol=1e-12), (one_scale, sk_ssim(qa, qb, 1.0))
ma, mb = noisy((1, 47, 45, 3), 0.1, 0.0, 1.0)
ms_weights = [0.0448, 0.2856, 0.3001]

fixture["quality"] = {
    "a": pack(qa),
    "b": pack(qb),
    "psnr": [float(peak_signal_noise_ratio(qa[i], qb[i], data_range=1.0)) for i in range(2)],
    "ssim": sk_ssim(qa, qb, 1.0),
    "ssim_sigma1": sk_ssim(qa, qb, 1.0, sigma=1.0),
    "grey_a": pack(ga),
    "grey_b": pack(gb),
    "grey_psnr": [float(peak_signal_noise_ratio(ga[0], gb[0], data_range=255.0))],
    "grey_ssim": sk_ssim(ga, gb, 255.0),
    "signed_a": pack(sa),
    "signed_b": pack(sb),
    "signed_ssim": sk_ssim(sa, sb, 2.0),
    "signed_psnr": [float(peak_signal_noise_ratio(sa[i], sb[i], data_range=2.0)) for i in range(2)],
    "ms_a": pack(ma),
    "ms_b": pack(mb),
    "ms_weights": ms_weights,
    "ms_ssim": ms_ssim_reference(ma, mb, 1.0, ms_weights),
}

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, separators=(",", ":")))
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
print("penalty norms (wgan-gp):", fixture["penalty"]["wgan_gp"]["norms"]["data"])
print("occlusion hard mask zeros:", int((np.array(fixture["occlusion"]["hard"]["data"]) == 0).sum()), "of", hh * ww)
