"""A PyTorch script: an MLP (nn.Sequential) learns three interleaved spirals with SGD + momentum,
mini-batches from a DataLoader and a StepLR schedule. tests/minigrad/test_torch_scripts.py runs it
with torch and, with the imports changed, with minigrad."""

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)


def spirals(n_per_class: int = 60, seed: int = 0):
    """x (3n, 2) float64 points on three noisy spiral arms, y (3n,) their arm."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(3):
        r = np.linspace(0.1, 1.0, n_per_class)
        angle = 4 * r + 2 * np.pi * c / 3 + rng.normal(0, 0.15, n_per_class)
        xs.append(np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs), np.concatenate(ys)


def make_model():
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3))


def train(model, epochs: int = 40):
    x, y = spirals()
    data = TensorDataset(torch.tensor(x), torch.tensor(y))
    loader = DataLoader(data, batch_size=30, shuffle=False)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.3)
    losses, rates = [], []
    for _epoch in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        losses.append(total / len(data))
        rates.append(scheduler.get_last_lr()[0])
    model.eval()
    with torch.no_grad():
        predicted = model(torch.tensor(x)).argmax(dim=1)
        accuracy = predicted.eq(torch.tensor(y)).float().mean().item()
    return {"losses": losses, "rates": rates, "accuracy": accuracy}
