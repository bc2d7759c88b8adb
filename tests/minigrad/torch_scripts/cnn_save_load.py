"""A PyTorch script: a small CNN (Conv2d, AvgPool2d, Dropout) tells bars from diagonals in noisy
8x8 images; random_split, a shuffled DataLoader, Adam, then the state_dict saved, loaded into a
new model and checked. tests/minigrad/test_torch_scripts.py runs it with torch and with minigrad."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split


def bars(n: int = 300, seed: int = 0):
    """x (n, 1, 8, 8) float32 noise plus a horizontal bar (class 0), a vertical bar (1) or a diagonal (2)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 0.3, (n, 1, 8, 8))
    where = rng.integers(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, where[i], :] += 1
        elif y[i] == 1:
            x[i, 0, :, where[i]] += 1
        else:
            x[i, 0] += np.eye(8)[:, ::-1] if where[i] % 2 else np.eye(8)
    return x.astype(np.float32), y


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),      # (B, 8, 4, 4)
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),     # (B, 16, 2, 2)
        )
        self.dropout = nn.Dropout(0.25)
        self.head = nn.Linear(16 * 2 * 2, 3)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.head(self.dropout(x))


def make_model():
    return SmallCNN()


def train(model, path, epochs: int = 8, seed: int = 0):
    torch.manual_seed(seed)
    x, y = bars()
    data = TensorDataset(torch.tensor(x), torch.tensor(y))
    train_set, test_set = random_split(data, [0.8, 0.2], generator=torch.Generator().manual_seed(seed))
    loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), path)
    restored = make_model()
    restored.load_state_dict(torch.load(path))
    model.eval()
    restored.eval()
    xt, yt = next(iter(DataLoader(test_set, batch_size=len(test_set))))
    with torch.no_grad():
        logits, again = model(xt), restored(xt)
        accuracy = logits.argmax(dim=1).eq(yt).float().mean().item()
        restored_diff = (logits - again).abs().max().item()
    return {"accuracy": accuracy, "restored_diff": restored_diff, "test_size": len(test_set)}
