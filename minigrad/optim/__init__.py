"""``minigrad.optim`` as ``torch.optim``: the optimisers (``optimizer.py``) and, in ``lr_scheduler``,
the learning-rate schedules.

    opt = minigrad.optim.Adam(model.parameters(), lr=1e-3)
    sched = minigrad.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""

from . import lr_scheduler
from .lr_scheduler import CosineLR, StepLR  # the names minigrad always had
from .optimizer import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler", "StepLR", "CosineLR"]
