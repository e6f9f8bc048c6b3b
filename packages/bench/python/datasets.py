"""PyTorch timings for the `datasets` suite of @atelier/bench.

Reads {"cases": [{"name", "spec"}], "protocol": {"warmup", "runs", "budgetMs"},
"threads"} as JSON on stdin, prints {"torch", "threads", "ms": {name: median}} on
stdout and "done <name>" on stderr after each case. A timed run is one epoch of
torchvision's ImageFolder + DataLoader over the spec's folder, with junyanz's
AlignedDataset transform: split A|B, the same resize (bicubic) + random crop + flip on
both halves, ToTensor, Normalize(0.5, 0.5). Workers persist across epochs, as the
JavaScript side's decode threads do.
"""

import json
import random
import statistics
import sys
import time

import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image
from torch.utils.data import DataLoader
from torchvision.datasets import ImageFolder


class AlignedTransform:
    def __init__(self, load_size, crop_size):
        self.load = load_size
        self.crop = crop_size

    def __call__(self, ab):
        w, h = ab.size
        halves = (ab.crop((0, 0, w // 2, h)), ab.crop((w // 2, 0, w, h)))
        x = random.randint(0, max(0, self.load - self.crop))
        y = random.randint(0, max(0, self.load - self.crop))
        flip = random.random() > 0.5
        out = []
        for im in halves:
            im = im.resize((self.load, self.load), Image.BICUBIC).crop((x, y, x + self.crop, y + self.crop))
            if flip:
                im = im.transpose(Image.FLIP_LEFT_RIGHT)
            out.append(TF.normalize(TF.to_tensor(im), (0.5,) * 3, (0.5,) * 3))
        return torch.stack(out)


def loader(spec):
    dataset = ImageFolder(spec["root"], transform=AlignedTransform(spec["loadSize"], spec["cropSize"]))
    if len(dataset) != spec["images"]:
        raise ValueError(f"{spec['root']} holds {len(dataset)} images, expected {spec['images']}")
    workers = spec["workers"]
    return DataLoader(dataset, batch_size=spec["batch"], shuffle=True, num_workers=workers,
                      persistent_workers=workers > 0)


def epoch(data):
    count = 0
    for pairs, _ in data:
        count += pairs.shape[0]
    return count


def main():
    request = json.load(sys.stdin)
    protocol = request["protocol"]
    torch.set_num_threads(request["threads"])
    random.seed(0)
    torch.manual_seed(0)
    ms = {}
    timed = {}
    for case in request["cases"]:
        key = json.dumps(case["spec"], sort_keys=True)
        if key not in timed:
            data = loader(case["spec"])
            estimate = 0.0
            for _ in range(protocol["warmup"]):
                start = time.perf_counter()
                epoch(data)
                estimate = (time.perf_counter() - start) * 1000
            runs = protocol["runs"]
            if estimate > 0:
                runs = max(1, min(runs, int(protocol["budgetMs"] // estimate)))
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                epoch(data)
                samples.append((time.perf_counter() - start) * 1000)
            timed[key] = statistics.median(samples)
            del data
        ms[case["name"]] = timed[key]
        print(f"done {case['name']}", file=sys.stderr, flush=True)
    print(json.dumps({"torch": f"{torch.__version__} (torchvision {torchvision.__version__})",
                      "threads": request["threads"], "ms": ms}))


if __name__ == "__main__":
    main()
