"""A PyTorch script: a one-block character model (Embedding, LayerNorm, causal
F.scaled_dot_product_attention, an MLP) learns a short text with AdamW and a cosine schedule,
then writes a greedy continuation. tests/minigrad/test_torch_scripts.py runs it with torch and
with minigrad."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
TEXT = "the quick brown fox jumps over the lazy dog. " * 20
CHARS = sorted(set(TEXT))
STOI = {c: i for i, c in enumerate(CHARS)}
BLOCK = 16


class CharAttention(nn.Module):
    def __init__(self, vocab: int, block: int = BLOCK, dim: int = 24, heads: int = 3):
        super().__init__()
        self.heads = heads
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(block, dim)
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.ln_f = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, vocab)

    def forward(self, idx):                                   # idx (B, T) int64
        B, T = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(T))         # (B, T, dim)
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q, k, v = (t.view(B, T, self.heads, -1).transpose(1, 2) for t in (q, k, v))   # (B, heads, T, d)
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(B, T, -1))
        x = x + self.mlp(self.ln2(x))
        return self.out(self.ln_f(x))                         # (B, T, vocab)


def make_model():
    return CharAttention(len(CHARS))


def train(model, steps: int = 60, batch: int = 8, seed: int = 0):
    data = torch.tensor([STOI[c] for c in TEXT])
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=1e-3)
    losses = []
    model.train()
    for _step in range(steps):
        starts = rng.integers(0, len(data) - BLOCK - 1, batch).tolist()
        xb = torch.stack([data[s:s + BLOCK] for s in starts])
        yb = torch.stack([data[s + 1:s + BLOCK + 1] for s in starts])
        logits = model(xb)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), yb.view(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    idx = torch.tensor([[STOI["t"]]])
    with torch.no_grad():
        for _ in range(30):
            logits = model(idx[:, -BLOCK:])
            idx = torch.cat([idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
    return {"losses": losses, "text": "".join(CHARS[i] for i in idx[0].tolist())}
