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
                      T + "test_model.py::test_forward_and_gradients_match_pytorch",
                      learner=("final_gpt.model:attention",),
                      hints=("Attention lets each position gather information from the positions before it: score "
                             "every key against the query, turn the scores into weights that sum to 1, and average "
                             "the values with those weights. softmax(Q K^T / sqrt(D) + mask) V is the whole idea.",
                             "q (B, H, T, D) and k (B, H, S, D): k.transpose(-2, -1) is (B, H, D, S), so q @ that is "
                             "(B, H, T, S), one score per query and key. Divide by sqrt(D) before adding the mask, "
                             "and take the softmax over the last axis, the keys.",
                             "Use minigrad's own ops (@, /, +, .softmax(axis=-1)) and autograd finds the backward "
                             "pass for you. The check runs the textbook GPT (GPT(reference=True)) against PyTorch; "
                             "to train on your attention, run: python -m learn run gpt -- train --reference")),
            Milestone("Model generates random text: an untrained model samples text through the KV cache, "
                      "token for token the same as recomputing the context",
                      T + "test_model.py::test_kv_cache_generation_equals_recompute",
                      learner=("final_gpt.model:causal_mask", "final_gpt.model:sample"),
                      hints=("Generating is a loop: run the model, turn the last position's logits into "
                             "probabilities, draw one token, append it, repeat. The KV cache keeps the keys and "
                             "values already computed, so each step runs only the newest token, and the mask must "
                             "then know how many positions came before.",
                             "causal_mask(T, past=p) is (T, p + T): new query t sits at position p + t and may see "
                             "keys 0 .. p + t, so put -inf strictly above the diagonal that starts p columns to the "
                             "right (np.triu's k argument). sample divides the logits by the temperature, keeps "
                             "the top_k largest, and draws from their softmax.",
                             "With one new token and a cache of p, the mask is a single row of p + 1 zeros: the "
                             "newest token sees everything. For sampling, compare the cumulative probabilities "
                             "with one uniform number per row; -inf logits get probability exactly 0.")),
            Milestone("Loss decreases during training: backprop through attention lowers the loss of a real run",
                      T + "test_gpt.py::test_training_lowers_loss_and_resumes",
                      learner=("get_batch",),
                      hints=("A language model learns to predict the next token. Each training example is a window "
                             "of text, and its targets are the tokens that come one step later.",
                             "Draw batch random starts s (each between 0 and len(data) - block - 2), build the "
                             "index matrix s[:, None] + arange(block), shape (batch, block), and read x and y from "
                             "data with it.",
                             "y is x shifted by one: data[idx + 1]. If y equals x the model only learns to copy "
                             "the token it already sees, and its loss falls far too low; the check looks for that.")),
            Milestone("Generates coherent text: speaker names and verse lines after training on tiny Shakespeare",
                      T + "test_gpt.py::test_generates_shakespeare_like_text",
                      learner=("final_gpt.model:sample",),
                      hints=("After training, the text is only as good as the way you draw from the model: a low "
                             "temperature and a top-k cut keep it to words the model is sure of.",
                             "logits / temperature, then keep the k largest per row (np.partition finds the k-th "
                             "largest), set the others to -inf, and take a row-wise softmax.",
                             "This check trains for 800 steps (a few minutes): run python -m learn check gpt "
                             "without --quick. Watch your model write: python -m learn run gpt -- generate")),
        ),
        bench=("bench.bench_gpt:gpt_training", "bench.bench_gpt:gpt_recipe_step",
               "bench.bench_gpt:gpt_recipe_step_torch",
               "bench.bench_gpt:gpt_textbook_training",
               "bench.bench_gpt:kv_cache_generation", "bench.bench_gpt:bpe_training",
               "bench.bench_gpt:bpe_textbook_training", "bench.bench_gpt:gpt_time_budget"),
        datasets=("tiny-shakespeare",),
    ),
]
