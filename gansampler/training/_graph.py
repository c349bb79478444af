"""A GAN training step captured once as a CUDA graph and replayed.

The networks gansampler trains are small, so on a GPU a step is bound by
kernel launches and Python, not arithmetic: each of the ~150 kernels of a D+G
step takes a few microseconds, and launching it from Python takes longer. A CUDA
graph launches the whole step at once (PyTorch's "whole-network capture":
https://pytorch.org/docs/stable/notes/cuda.html#whole-network-capture).

What a replay needs, and how :class:`StepGraph` provides it:

- fixed input addresses: each step's real batches and latent vectors are copied
  into static tensors before the replay;
- randomness outside the graph: the latent vectors are drawn with the trainer's
  own ``torch.Generator`` into those static tensors, in the order the eager step
  draws them, so a graphed step consumes the same random numbers. Steps that draw
  other random numbers (DiffAugment, the WGAN-GP penalty) are not graphed;
- state that exists before capture: the first ``warmup`` steps run eagerly on a
  side stream (they are real training steps), so that the optimizers' state and
  cuDNN's choices exist before the capture;
- capturable optimizers: the trainer builds Adam/RMSprop with
  ``capturable=True`` when it graphs its step.
"""

import torch

__all__ = ["StepGraph"]


class StepGraph:
    """Run ``step(batches, noise)`` as a CUDA graph replay.

    Parameters
    ----------
    step : callable
        ``step(batches, noise) -> metrics``: one training step on a list of
        ``(x_real, y)`` batches with the latent vectors ``noise[i]`` for batch
        ``i``; it must draw no random numbers of its own.
    latent_dim : int
    generator : torch.Generator
        The CUDA generator the latent vectors are drawn from.
    warmup : int, default=3
        Eager steps before the capture.
    """

    def __init__(self, step, latent_dim, generator, warmup=3):
        self.step = step
        self.latent_dim = latent_dim
        self.generator = generator
        self.warmup = warmup
        self.n_steps = 0
        self.graph = None
        self.inputs = None
        self.shapes = None  # of the batches the static inputs hold
        self.metrics = None

    def _load(self, batches):
        """Copy the batches into the static inputs and draw their noise. Batches
        of another number or shape than the captured ones (a later ``fit`` on
        other data) start over: new inputs, warm-up, capture."""
        shapes = [(x.shape, None if y is None else y.shape) for x, y in batches]
        if shapes != self.shapes:
            self.graph, self.metrics, self.n_steps, self.shapes = None, None, 0, shapes
            self.inputs = [
                (x.clone(), None if y is None else y.clone(),
                 x.new_empty((x.shape[0], self.latent_dim), dtype=torch.float32))
                for x, y in batches
            ]
        for (x, y), (x_static, y_static, z_static) in zip(batches, self.inputs):
            x_static.copy_(x)
            if y is not None:
                y_static.copy_(y)
            z_static.normal_(generator=self.generator)

    def _run(self):
        return self.step(
            [(x, y) for x, y, _ in self.inputs], [z for _, _, z in self.inputs]
        )

    def __call__(self, batches):
        with torch.cuda.device(self.generator.device):
            self._load(batches)
            self.n_steps += 1
            if self.graph is None and self.n_steps <= self.warmup:
                current = torch.cuda.current_stream()
                side = torch.cuda.Stream()
                side.wait_stream(current)
                with torch.cuda.stream(side):
                    metrics = self._run()
                current.wait_stream(side)
                return metrics
            if self.graph is None:
                self.graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(self.graph):
                    self.metrics = self._run()
            self.graph.replay()
            return self.metrics
