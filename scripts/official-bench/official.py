#!/usr/bin/env python3
"""The official SNASNet code's side of the comparison (issue 14), on PyTorch CPU, one thread.

Loads `model_snn.py` and `searchcells/search_cell_snn.py` from a git directory of the official
repository (Intelligent-Computing-Lab-Yale/Neural-Architecture-Search-for-Spiking-Neural-Networks) as
they are; nothing of it is copied here. What this script supplies around them:

- `spikingjelly.clock_driven` (not packaged for Debian): LIFNode (charge v += (x - (v - v_reset)) / tau,
  fire with the ATan surrogate, hard reset with the spike detached), surrogate.ATan(alpha=2),
  layer.Dropout (one mask per sample kept over the timesteps until reset) and functional.reset_net, as
  SpikingJelly's clock-driven modules compute them.
- an empty `matplotlib.pyplot` when matplotlib is absent (imported, never used);
- `.cuda()` as a no-op, so the GPU code runs on the CPU.
- Widths 32/64: the CIFAR-10 network (256/512 hard-coded in the model) with every conv/BN channel count
  and the classifier's input divided by 8.

Measures, at 32x32x3, B = 64, T = 5:
- training: images/s of full steps as the official `train()` does them (zero_grad, forward, cross
  entropy, backward, SGD lr 0.1 momentum 0.9 wd 5e-4, reset_net), on random images and labels;
- SAHD: seconds per candidate of the official scoring (`find_best_neuroncell`'s hook and log-det, at
  batch 64, 2 repeats, the model in train mode under no_grad), for the cells given.

  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 official.py \
      --repo GITDIR [--archs "0302 0030 3003 0000" ...] [--steps 3] [--threads 1]
"""
import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import types

import numpy as np
import torch
import torch.nn as nn


# --- spikingjelly.clock_driven, the parts the official code uses -----------------------------------
class ATanFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        a = ctx.alpha
        return grad * (a / 2 / (1 + (math.pi / 2 * a * x) ** 2)), None


class ATan(nn.Module):
    def __init__(self, alpha=2.0, spiking=True):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ATanFn.apply(x, self.alpha)


class LIFNode(nn.Module):
    def __init__(self, tau=2.0, v_threshold=1.0, v_reset=0.0, surrogate_function=None, detach_reset=False):
        super().__init__()
        self.tau, self.v_threshold, self.v_reset = tau, v_threshold, v_reset
        self.surrogate_function = surrogate_function or ATan()
        self.detach_reset = detach_reset
        self.v = v_reset

    def reset(self):
        self.v = self.v_reset

    def forward(self, x):
        self.v = self.v + (x - (self.v - self.v_reset)) / self.tau
        spike = self.surrogate_function(self.v - self.v_threshold)
        s = spike.detach() if self.detach_reset else spike
        self.v = (1.0 - s) * self.v + s * self.v_reset
        return spike


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p
        self.mask = None

    def reset(self):
        self.mask = None

    def forward(self, x):
        if not self.training:
            return x
        if self.mask is None:
            self.mask = (torch.rand_like(x) > self.p).float() / (1 - self.p)
        return x * self.mask


def reset_net(net):
    for m in net.modules():
        if hasattr(m, "reset"):
            m.reset()


def install_spikingjelly():
    root = types.ModuleType("spikingjelly")
    cd = types.ModuleType("spikingjelly.clock_driven")
    for name, attrs in {
        "neuron": {"LIFNode": LIFNode},
        "surrogate": {"ATan": ATan},
        "layer": {"Dropout": Dropout},
        "functional": {"reset_net": reset_net},
    }.items():
        m = types.ModuleType(f"spikingjelly.clock_driven.{name}")
        for k, v in attrs.items():
            setattr(m, k, v)
        setattr(cd, name, m)
        sys.modules[m.__name__] = m
    root.clock_driven = cd
    sys.modules["spikingjelly"] = root
    sys.modules["spikingjelly.clock_driven"] = cd
    # model_snn.py imports pyplot and never uses it.
    if importlib.util.find_spec("matplotlib") is None:
        mpl = types.ModuleType("matplotlib")
        mpl.pyplot = types.ModuleType("matplotlib.pyplot")
        sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = mpl, mpl.pyplot


# --- CPU and widths ---------------------------------------------------------------------------------
def cpu_only():
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self


def narrow_widths(divisor, flat_in):
    """The CIFAR-10 model's 256/512 channels ÷ divisor (the 3 input channels stay)."""
    Conv2d, BatchNorm2d, Linear = nn.Conv2d, nn.BatchNorm2d, nn.Linear

    class NarrowConv2d(Conv2d):
        def __init__(self, cin, cout, *a, **k):
            super().__init__(cin if cin == 3 else cin // divisor, cout // divisor, *a, **k)

    class NarrowBatchNorm2d(BatchNorm2d):
        def __init__(self, n, *a, **k):
            super().__init__(n // divisor, *a, **k)

    class NarrowLinear(Linear):
        def __init__(self, fin, fout, *a, **k):
            super().__init__(fin // divisor if fin == flat_in else fin, fout, *a, **k)

    nn.Conv2d, nn.BatchNorm2d, nn.Linear = NarrowConv2d, NarrowBatchNorm2d, NarrowLinear


def load_official(repo):
    """model_snn.py and searchcells/ from the official repository's git directory, into a temp dir."""
    tmp = tempfile.mkdtemp(prefix="snasnet-official-")
    os.makedirs(os.path.join(tmp, "searchcells"))
    for path in ["model_snn.py", "searchcells/search_cell_snn.py"]:
        text = subprocess.check_output(["git", "--git-dir", repo, "show", f"HEAD:{path}"])
        with open(os.path.join(tmp, path), "wb") as f:
            f.write(text)
    open(os.path.join(tmp, "searchcells", "__init__.py"), "w").close()
    sys.path.insert(0, tmp)
    spec = importlib.util.spec_from_file_location("model_snn", os.path.join(tmp, "model_snn.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def con_mat_of(arch):
    return torch.tensor([[int(c) for c in row] for row in arch.split()], dtype=torch.float32)


def official_args(timesteps):
    return argparse.Namespace(
        dataset="cifar10", timestep=timesteps, tau=4 / 3, threshold=1.0, celltype="backward",
        second_avgpooling=2,
    )


def train_bench(official, arch, batch, timesteps, steps, warmup):
    torch.manual_seed(0)
    model = official.SNASNet(official_args(timesteps), con_mat_of(arch))
    model.train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), 0.1, 0.9, 5e-4)
    x = torch.rand(batch, 3, 32, 32) * 2 - 1
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        reset_net(model)

    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"arch": arch, "imagesPerSecond": steps * batch / seconds, "steps": steps, "seconds": seconds,
            "cpuSeconds": cpu, "imagesPerCpuSecond": steps * batch / cpu,
            "params": sum(p.numel() for p in model.parameters())}


def sahd_bench(official, arch, batch, timesteps, repeats=2):
    """One candidate as find_best_neuroncell scores it (its hook and log-det), at `batch`."""
    start, cpu = time.perf_counter(), time.process_time()
    torch.manual_seed(0)
    searchnet = official.SNASNet(official_args(timesteps), con_mat_of(arch))
    forward = 0.0
    with torch.no_grad():
        searchnet.K = np.zeros((batch, batch))
        searchnet.num_actfun = 0

        def computing_K_eachtime(module, inp, out):
            if isinstance(out, tuple):
                out = out[0]
            out = out.view(out.size(0), -1)
            batch_num, neuron_num = out.size()
            x = (out > 0).float()
            full_matrix = torch.ones((batch, batch)) * neuron_num
            sparsity = (x.sum(1) / neuron_num).unsqueeze(1)
            norm_K = ((sparsity @ (1 - sparsity.t())) + ((1 - sparsity) @ sparsity.t())) * neuron_num
            rescale_factor = torch.div(0.5 * torch.ones((batch, batch)), norm_K + 1e-3)
            K1_0 = x @ (1 - x.t())
            K0_1 = (1 - x) @ x.t()
            K_total = full_matrix - rescale_factor * (K0_1 + K1_0)
            searchnet.K = searchnet.K + K_total.cpu().numpy()
            searchnet.num_actfun += 1

        for name, module in searchnet.named_modules():
            if "LIFNode" in str(type(module)):
                module.register_forward_hook(computing_K_eachtime)
        scores = []
        for _ in range(repeats):
            searchnet.K = np.zeros((batch, batch))
            searchnet.num_actfun = 0
            inputs = torch.rand(batch, 3, 32, 32) * 2 - 1
            t0 = time.perf_counter()
            searchnet(inputs)
            forward += time.perf_counter() - t0
            scores.append(official.logdet(searchnet.K / searchnet.num_actfun))
    return {"arch": arch, "score": float(np.mean(scores)), "seconds": time.perf_counter() - start,
            "cpuSeconds": time.process_time() - cpu, "forwardWithHooks": forward}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repo", required=True, help="git directory of the official repository")
    p.add_argument("--archs", nargs="*", default=["0302 0030 3003 0000"])
    p.add_argument("--train-arch", default="0302 0030 3003 0000")
    p.add_argument("--what", default="both", choices=["both", "train", "score"])
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--timesteps", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    install_spikingjelly()
    cpu_only()
    narrow_widths(8, 512 * 8 * 8)
    official = load_official(a.repo)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "blas": os.environ.get("LD_LIBRARY_PATH", "system default")}
    if a.what in ("both", "train"):
        out["train"] = train_bench(official, a.train_arch, a.batch, a.timesteps, a.steps, 1)
    if a.what in ("both", "score"):
        rows = [sahd_bench(official, arch, a.batch, a.timesteps) for arch in a.archs]
        out["score"] = {"candidates": rows, "secondsPerCandidate": float(np.mean([r["seconds"] for r in rows])),
                        "cpuSecondsPerCandidate": float(np.mean([r["cpuSeconds"] for r in rows]))}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
