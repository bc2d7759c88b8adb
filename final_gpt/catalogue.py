"""Final project catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/final_gpt/"

PROJECTS = [
    Project(
        key="gpt",
        title="The Ultimate Test: GPT from scratch (on minigrad)",
        phase="final_gpt",
        script="final_gpt/gpt.py",
        number=21,
        commands=("python final_gpt/bpe.py train shakespeare.txt --vocab 10000",
                  "python final_gpt/gpt.py train shakespeare.txt --layers 6 --heads 8 --dim 512",
                  'python final_gpt/gpt.py generate --prompt "To be, or not to be"'),
        tour=(TourStep(("final_gpt/bpe.py", "train", "shakespeare.txt", "--vocab", "10000"), no_show=False),
              TourStep(("final_gpt/gpt.py", "train", "shakespeare.txt", "--iters", "200", "--eval-every", "100",
                        "--sample-len", "300"), timeout_s=600, folder="model"),
              # generate reads the checkpoint the train step saved in the same folder (its --out)
              TourStep(("final_gpt/gpt.py", "generate", "--prompt", "To be, or not to be", "--length", "300"),
                       folder="model")),
        milestones=(
            Milestone("Self-attention computes correctly: the GPT's logits equal PyTorch's (causal "
                      "scaled_dot_product_attention, same weights) to 1e-5 and every gradient to 1e-4",
                      T + "test_model.py::test_forward_and_gradients_match_pytorch"),
            Milestone("Model generates random text: an untrained model samples text through the KV cache, "
                      "token for token the same as recomputing the context",
                      T + "test_model.py::test_kv_cache_generation_equals_recompute"),
            Milestone("Loss decreases during training: backprop through attention lowers the loss of a real run",
                      T + "test_gpt.py::test_training_lowers_loss_and_resumes"),
            Milestone("Generates coherent text: speaker names and verse lines after training on tiny Shakespeare",
                      T + "test_gpt.py::test_generates_shakespeare_like_text"),
        ),
        bench=("bench.bench_gpt:gpt_training", "bench.bench_gpt:gpt_textbook_training",
               "bench.bench_gpt:kv_cache_generation", "bench.bench_gpt:bpe_training",
               "bench.bench_gpt:bpe_textbook_training"),
        datasets=("tiny-shakespeare",),
    ),
]
