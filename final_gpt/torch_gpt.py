"""The same GPT in PyTorch: the trusted reference for tests (forward, gradients) and bench (speed).

Parameter names, shapes and conventions match final_gpt/model.py exactly (linear weights are
``(out, in)`` as in minigrad and torch; the output head is tied to the token embedding; GELU is
the tanh approximation; dropout on the embeddings and residual branches), so one state dict of
NumPy arrays loads into both.
Attention uses ``torch.nn.functional.scaled_dot_product_attention(is_causal=True)``, PyTorch's
own causal attention, which makes it an independent check of our mask and softmax.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2)
                   for t in self.qkv(self.ln1(x)).split(C, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + F.dropout(self.proj(y), self.dropout, self.training)
        h = F.gelu(self.fc(self.ln2(x)), approximate="tanh")
        return x + F.dropout(self.fc2(h), self.dropout, self.training)


class TorchGPT(nn.Module):
    def __init__(self, vocab: int, block: int, layers: int, heads: int, dim: int, dropout: float = 0.0):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(vocab, dim) * 0.02)
        self.wpe = nn.Parameter(torch.randn(block, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)
        self.dropout = dropout

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        T = idx.shape[1]
        x = F.dropout(self.wte[idx] + self.wpe[:T], self.dropout, self.training)
        for blk in self.blocks:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.T
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    # names of model.py's state dict -> the tensors here
    def named_for_numpy(self) -> dict[str, torch.Tensor]:
        out = {"wte.weight": self.wte, "wpe.weight": self.wpe,
               "ln_f.weight": self.ln_f.weight, "ln_f.bias": self.ln_f.bias}
        for i, b in enumerate(self.blocks):
            p = f"h.{i}."
            out.update({p + "ln1.weight": b.ln1.weight, p + "ln1.bias": b.ln1.bias,
                        p + "attn.qkv.weight": b.qkv.weight, p + "attn.qkv.bias": b.qkv.bias,
                        p + "attn.proj.weight": b.proj.weight, p + "attn.proj.bias": b.proj.bias,
                        p + "ln2.weight": b.ln2.weight, p + "ln2.bias": b.ln2.bias,
                        p + "mlp.fc.weight": b.fc.weight, p + "mlp.fc.bias": b.fc.bias,
                        p + "mlp.proj.weight": b.fc2.weight, p + "mlp.proj.bias": b.fc2.bias})
        return out

    def load_numpy(self, state: dict[str, np.ndarray]) -> None:
        with torch.no_grad():
            for name, t in self.named_for_numpy().items():
                t.copy_(torch.from_numpy(np.asarray(state[name], dtype=np.float32)))

    def grads_numpy(self) -> dict[str, np.ndarray]:
        return {name: t.grad.detach().numpy().copy() for name, t in self.named_for_numpy().items()}


def train_steps(model: TorchGPT, batches, lrs, weight_decay: float = 0.1, betas=(0.9, 0.99),
                grad_clip: float = 1.0) -> list[float]:
    """The loop gpt.py runs, in torch (bench/bench_gpt.py times both): AdamW, clip, step per batch."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lrs[0], betas=betas)
    model.train()
    losses = []
    for (x, y), lr in zip(batches, lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        _, loss = model(torch.from_numpy(x), torch.from_numpy(y))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        losses.append(loss.item())
    return losses
