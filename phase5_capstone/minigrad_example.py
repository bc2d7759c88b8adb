"""The project-20 example, run as written: an MLP trained on MNIST with minigrad.

The block between the ``--- example ---`` markers is the learning path's example verbatim (only
the ``dataloader`` it assumes is built above it, and the test accuracy it quotes is computed
below it). It shows the PyTorch-like API: a Module subclass, mg.Linear, mg.relu, mg.Adam,
mg.cross_entropy, zero_grad / backward / step.

  python phase5_capstone/minigrad_example.py                    (10 epochs on all 60,000 digits)
  python phase5_capstone/minigrad_example.py --train-limit 5000  (a quick look)
"""

import numpy as np

import minigrad
from common import cli, datasets

parser = cli.make_parser(__doc__, prog="phase5_capstone/minigrad_example.py", out=False, show=False)
parser.add_argument("--train-limit", type=cli.positive_int, default=None,
                    help="use only the first N training digits")


def main(argv=None) -> int:
    args = parser.parse_args(argv)
    mnist = datasets.load("mnist")
    x_train = mnist.x_train.reshape(-1, 784).astype(np.float32)[:args.train_limit] / 255
    y_train = mnist.y_train.astype(np.int64)[:args.train_limit]
    minigrad.manual_seed(args.seed)
    minigrad.threads.blas_threads(1)  # small products: one BLAS thread is fastest (applies from here on)
    dataset = minigrad.TensorDataset(x_train, y_train)
    dataloader = minigrad.DataLoader(dataset, batch_size=64, shuffle=True, seed=args.seed)

    # --- example (as in the learning path) ---
    # Your framework in action!
    import minigrad as mg

    # Define model
    class MLP(mg.Module):
        def __init__(self):
            self.fc1 = mg.Linear(784, 128)
            self.fc2 = mg.Linear(128, 10)

        def forward(self, x):
            x = mg.relu(self.fc1(x))
            return self.fc2(x)

    model = MLP()
    optimizer = mg.Adam(model.parameters(), lr=0.001)

    # Train
    for epoch in range(10):
        for x, y in dataloader:
            pred = model(x)
            loss = mg.cross_entropy(pred, y)

            optimizer.zero_grad()
            loss.backward()  # YOUR autograd!
            optimizer.step()

        print(f"Epoch {epoch}: Loss = {loss.item():.4f}")
    # --- end of example ---

    with mg.no_grad():
        logits = model(mg.tensor(mnist.x_test.reshape(-1, 784).astype(np.float32) / 255))
    accuracy = float((logits.numpy().argmax(axis=1) == mnist.y_test).mean())
    print(f"\nTest accuracy: {100 * accuracy:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
