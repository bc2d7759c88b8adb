"""Phase 5 catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/phase5_capstone/"
TENSOR = "minigrad.tensor:"
OPTIM = "minigrad.optim.optimizer:"
PIPE = "phase5_capstone.pipeline."

PROJECTS = [
    Project(
        key="minigrad",
        title="Mini-PyTorch: minigrad, a define-by-run autograd framework",
        phase="phase5_capstone",
        script="phase5_capstone/train_mnist.py",  # the root README lists project 20 by this script
        number=20,
        commands=("python phase5_capstone/minigrad_example.py",
                  "python phase5_capstone/train_mnist.py --model mlp"),
        tour=(TourStep(("phase5_capstone/minigrad_example.py", "--train-limit", "3000"), out=False, no_show=False),),
        milestones=(
            Milestone("Autograd computes correct gradients (every op equals PyTorch autograd, float64, 1e-6)",
                      "tests/minigrad/test_ops.py::test_fused_cross_entropy",
                      learner=(TENSOR + "topological_order", TENSOR + "Tensor.backward", TENSOR + "Tensor.sum"),
                      hints=("loss.backward() is the chain rule applied node by node, from the loss back to the "
                             "inputs. A node may pass its gradient on only after every node that used it has "
                             "added its share, so the graph must be put in order first.",
                             "topological_order(root): collect every inner node reachable through _prev (a stack "
                             "and a seen set), then sort them newest first by _stamp. backward: root.grad = 1, "
                             "then node._backward(node.grad) for each node in that order. sum's backward sends "
                             "g (the reduced shape) to every input element: broadcast it back to self.shape.",
                             "Oldest first is the classic slip: the first node then has no .grad yet, nothing "
                             "flows and every leaf's .grad stays None. Use a loop, not recursion (deep graphs "
                             "overflow Python's stack), and in sum put the reduced axes back (_expand_reduced) "
                             "before broadcasting when keepdims is False.")),
            Milestone("Linear layer trains correctly (layers and optimizers match torch step for step)",
                      "tests/minigrad/test_nn.py::test_optimizers_match_torch_step_for_step",
                      learner=(OPTIM + "SGD._update", OPTIM + "Adam._update"),
                      hints=("An optimizer only moves numbers: from each parameter's gradient it works out a small "
                             "step and takes it off p.data in place. Follow PyTorch's rules exactly and the "
                             "weights equal torch's to 1e-10 after every step.",
                             "SGD: g + weight_decay p; with momentum keep buf in state (buf = g on the first step, "
                             "then mu buf + g) and step along buf (Nesterov: g + mu buf); p -= lr step. Adam: "
                             "keep t, m, v in state; m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= lr m_hat "
                             "/ (sqrt(v_hat) + eps).",
                             "Change p.data in place (p.data -= ...), never rebind p. state starts empty: create "
                             "m and v as zeros_like(p.data) and t = 0, then t += 1 before the corrections 1 - b1^t "
                             "and 1 - b2^t. AdamW (self.decoupled) shrinks p by (1 - lr wd) and leaves g alone.")),
            Milestone("Train an MLP on MNIST: >= 98% test accuracy",
                      T + "test_train_mnist.py::test_mlp_reaches_98_percent_on_mnist",
                      learner=(TENSOR + "Tensor.relu", OPTIM + "Adam._update"),
                      hints=("Now the whole stack runs at once: your ReLU (forward and backward) and your Adam "
                             "step train a 784-256-128-10 network for 8 epochs. Watch it: python -m learn run "
                             "minigrad -- --model mlp",
                             "relu: out = x * (x > 0), and its backward passes g only where x was positive, "
                             "add_grad(g * mask). Make the result with Tensor.from_op(data, (self,), backward, "
                             "\"relu\").",
                             "Keep the forward's mask inside the closure rather than recomputing it later (the "
                             "optimizer changes the arrays in between), and let Adam's first step have t = 1: "
                             "with t = 0 the bias correction divides by zero.")),
            Milestone("API feels like PyTorch: the project's example runs as written",
                      T + "test_train_mnist.py::test_seed_example_runs_as_written",
                      learner=(TENSOR + "topological_order", TENSOR + "Tensor.backward", TENSOR + "Tensor.relu"),
                      hints=("The example is written as for PyTorch: a Module subclass, mg.Linear, mg.relu, "
                             "mg.Adam, then zero_grad(), loss.backward(), step(). With your autograd underneath "
                             "it must run unchanged, and learn.",
                             "The check runs phase5_capstone/minigrad_example.py --train-limit 640: ten epochs on "
                             "640 digits. The last epoch's loss must be below the first one, and the test "
                             "accuracy above 75%.",
                             "If the loss does not fall, check that backward starts from a gradient of 1 at the "
                             "loss, frees the graph only after every closure has run, and that relu's backward "
                             "masks g.")),
        ),
        bench=("bench.bench_minigrad:autograd_overhead", "bench.bench_minigrad:mlp_epoch",
               "bench.bench_minigrad:cnn_epoch", "bench.bench_minigrad:cnn_textbook_conv"),
        datasets=("mnist",),
    ),
    Project(
        key="train_mnist",
        title="MLP and CNN on MNIST with minigrad or PyTorch (M7, M9)",
        phase="phase5_capstone",
        script="phase5_capstone/train_mnist.py",
        commands=("python phase5_capstone/train_mnist.py --model mlp",
                  "python phase5_capstone/train_mnist.py --model cnn",
                  "python phase5_capstone/train_mnist.py --model cnn --backend torch --dataset fashion-mnist"),
        tour=(TourStep(("phase5_capstone/train_mnist.py", "--model", "mlp", "--train-limit", "10000", "--epochs",
                        "2", "--test-limit", "2000")),
              TourStep(("phase5_capstone/train_mnist.py", "--model", "cnn", "--train-limit", "3000", "--epochs", "1",
                        "--test-limit", "1000"))),
        boss=(
            Milestone("M7: an MLP trained on MNIST with loss and accuracy curves (same code on PyTorch)",
                      T + "test_train_mnist.py::test_mlp_reaches_98_percent_on_mnist",
                      learner=("train", "cosine_lr"),
                      hints=("Training is two loops: over epochs, and inside each over mini-batches. Shuffle, "
                             "cut the data into batches of 64, take one optimizer step per batch, and measure "
                             "after every epoch: those numbers are the curves.",
                             "train: rng = np.random.default_rng(seed) once; per epoch set_lr(cosine_lr(lr, "
                             "epoch, epochs)), order = rng.permutation(N), backend.step(x[idx], y[idx]) for idx = "
                             "order[i:i + batch_size]. cosine_lr(base, e, E) = base (0.05 + 0.95 (1 + cos(pi e / "
                             "E)) / 2).",
                             "Weight each batch's mean loss by its size when you average over the epoch (the last "
                             "batch is smaller), and count epochs from 0 in cosine_lr, so that the first epoch "
                             "runs at the full rate.")),
            Milestone("M7: minigrad and PyTorch backends share one model definition and learn alike",
                      T + "test_train_mnist.py::test_minigrad_and_torch_backends_learn_alike_on_a_subset",
                      learner=("MinigradBackend.step", "evaluate"),
                      hints=("Same model, same data, same optimizer: minigrad and PyTorch must end within a few "
                             "points of each other. Only the step that moves numbers in and out differs between "
                             "the two.",
                             "step: logits = model(Tensor(xb)), loss = cross_entropy(logits, yb), zero_grad(), "
                             "backward(), step(); return (loss.item(), the number of correct argmaxes). evaluate: "
                             "eval mode, logits batch by batch, the mean of argmax == y, then training mode again.",
                             "TorchBackend.step just below in train_mnist.py is the same step in PyTorch, line for "
                             "line. Forget zero_grad and every old gradient is added into the new one.")),
            Milestone("M9: a CNN with learned filters and feature maps of one digit",
                      T + "test_train_mnist.py::test_cnn_cli_quick_run_prints_transcript_and_saves_figures",
                      learner=("minigrad.conv:conv2d", "make_model"),
                      hints=("A convolution slides a small filter over the image and at every position adds up "
                             "the products of the filter and the pixels under it. Conv, ReLU and pooling, twice, "
                             "give the feature maps the script draws.",
                             "y[n, o, h, w] = b[o] + sum over c, i, j of xpad[n, c, h s + i, w s + j] w[o, c, i, j], "
                             "H' = (H + 2p - k) // s + 1. Loop over the k*k offsets only: xpad[:, :, i:i + s(H' - "
                             "1) + 1:s, j:...] is (N, C, H', W'); times weight[:, :, i, j] (O, C), summed over C; "
                             "add the k*k terms.",
                             "Use minigrad ops only (slices, permute, @, +) and autograd gives the backward. The "
                             "check trains the CNN with the fast conv2d_fused and with yours (--reference): the "
                             "losses must agree, so a swapped i and j shows.")),
            Milestone("M9: the CNN beats 90% on MNIST (CI subset run: >= 94%)",
                      T + "test_train_mnist.py::test_cnn_on_a_subset_reaches_94_percent",
                      learner=("make_model", "train"),
                      hints=("A CNN uses each small filter all over the image, so it learns strokes and corners "
                             "wherever they are: two conv blocks and two epochs on 12,000 digits beat 94%.",
                             "make_model(nn, \"cnn\"): 3x3 convolutions with padding=1 keep 28x28 and each 2x2 max "
                             "pool halves it (28 -> 14 -> 7), so the first Linear takes 2 width * 7 * 7 inputs. "
                             "The one function builds the network from minigrad or from torch.nn.",
                             "Accuracy stuck near 10%? Look at the training loop first (a fresh shuffle per "
                             "epoch, the learning rate), then at the layer order: ReLU after each convolution, "
                             "pooling after each ReLU.")),
        ),
        bench=("bench.bench_minigrad:mlp_epoch", "bench.bench_minigrad:cnn_epoch"),
        datasets=("mnist",),
        requires=("torch",),
    ),
    Project(
        key="adversarial",
        title="Adversarial attacks: FGSM and PGD on our own MNIST models, adversarial training",
        phase="phase5_capstone",
        script="phase5_capstone/adversarial.py",
        commands=("python phase5_capstone/adversarial.py",),
        tour=(TourStep(("phase5_capstone/adversarial.py", "--train-limit", "5000", "--epochs", "1", "--test-limit",
                        "300", "--eps", "0,0.05,0.1,0.2", "--pgd-steps", "5")),),
        boss=(
            Milestone("Boss: FGSM fools our MLP (< 30% at eps 0.1) and adversarial training defends (> 70%)",
                      T + "test_adversarial.py::test_fgsm_fools_the_mlp_and_adversarial_training_defends",
                      learner=("input_gradient", "fgsm", "training_loss"),
                      hints=("A trained network is a function of its input as well as of its weights, so backward "
                             "can say which way to push every pixel to raise the loss. A push of 0.1 per pixel, "
                             "invisible to a person, fools the undefended MLP most of the time.",
                             "input_gradient: x as a Tensor with requires_grad=True, loss = cross_entropy(model(x), "
                             "y), backward, return x.grad (and set the weights' .grad back to None). fgsm: clip(x + "
                             "eps sign(dL/dx), 0, 1) in x's dtype. training_loss: 0.5 L(x) + 0.5 L(FGSM(x)).",
                             "Mind the sign: x + eps sign(g) climbs the loss, x - eps sign(g) makes the model more "
                             "sure. Make the FGSM images from the current model in every batch, not once before "
                             "training.")),
            Milestone("Boss: attacks stay in the epsilon ball; PGD is at least as strong as FGSM",
                      T + "test_adversarial.py::test_fgsm_and_pgd_stay_in_the_ball_and_pixel_range",
                      learner=("fgsm", "pgd"),
                      hints=("Both attacks may change each pixel by at most eps and must stay images (pixels in "
                             "[0, 1]). PGD takes several small FGSM steps instead of one big one, so within the "
                             "same ball it finds a point the model gets wrong more often.",
                             "pgd: start at clip(x + uniform(-eps, eps), 0, 1); then, steps times: adv = adv + "
                             "alpha sign(dL/dadv), adv = clip(adv, x - eps, x + eps), adv = clip(adv, 0, 1); alpha "
                             "= 2.5 eps / steps unless given.",
                             "Project around the original x, not around the previous adv, or the steps add up and "
                             "leave the ball. Return float32 images shaped like x (.astype(x.dtype)).")),
        ),
        datasets=("mnist",),
    ),
    Project(
        key="ml_pipeline",
        title="Complete ML pipeline: house prices from raw CSV to a REST API (M10, Boss REST)",
        phase="phase5_capstone",
        script="phase5_capstone/ml_pipeline.py",
        number=19,
        commands=("python phase5_capstone/ml_pipeline.py train housing_data.csv",
                  "python phase5_capstone/ml_pipeline.py serve",
                  'curl -X POST http://localhost:5000/predict -H "Content-Type: application/json" '
                  '-d \'{"longitude": -122.23, "latitude": 37.88, ...}\''),
        tour=(TourStep(("phase5_capstone/ml_pipeline.py", "train", "housing_data.csv", "--fast")),),
        milestones=(
            Milestone("Clean real messy data: missing values, IQR outliers and correlations from their definitions",
                      T + "test_ml_pipeline.py::test_eda_statistics_match_numpy",
                      learner=(PIPE + "eda:missing_values", PIPE + "eda:iqr_outliers", PIPE + "eda:correlations"),
                      hints=("Before any model, look at the data: which cells are empty, which values lie far "
                             "from the rest, and which columns move together.",
                             "IQR rule: Q1, Q3 = the 25th and 75th percentiles of a column, IQR = Q3 - Q1; x is an "
                             "outlier below Q1 - 1.5 IQR or above Q3 + 1.5 IQR. Pearson: with Z the centred "
                             "columns (n, d), R = Z^T Z / n divided by the outer product of the stds, (d, d).",
                             "Report only the columns with a count above 0 (outliers from most to fewest). In "
                             "correlations centre first and take the std dividing by n, so that the diagonal is "
                             "exactly 1.")),
            Milestone("Engineer useful features: ratios, median imputation, one-hot, scaling equal scikit-learn's",
                      T + "test_ml_pipeline.py::test_preprocessing_matches_sklearn",
                      learner=(PIPE + "features:ratio", PIPE + "features:one_hot", PIPE + "features:fit_scaling"),
                      hints=("Models need numbers on comparable scales: a ratio such as rooms per household says "
                             "more than two raw totals, a text category becomes 0/1 columns, and every column is "
                             "standardised with statistics of the training rows.",
                             "ratio: num / den where den > 0, NaN elsewhere. one_hot(text (n,), levels): column "
                             "j - 1 is text == levels[j] for j >= 1, (n, k - 1). fit_scaling(raw (n, d)): the "
                             "mean and std of each column, (d,) each, with std < 1e-12 replaced by 1.",
                             "Leave out the first level's column (the baseline, scikit-learn's drop=\"first\"), take "
                             "the std dividing by n (np.std's default, as StandardScaler does), and divide only "
                             "where den > 0, so that 1 / 0 never warns.")),
            Milestone("Compare models fairly: same K folds, preprocessing fitted on training rows only (no leakage)",
                      T + "test_ml_pipeline.py::test_no_leakage_changing_test_rows_changes_nothing_fitted",
                      learner=(PIPE + "cv:split_rows", "train_pipeline"),
                      hints=("A score means something only if the rows it is measured on played no part in the "
                             "fitting: not in the model, not in the scaling, not in the interval width. The check "
                             "makes the test rows absurd and expects nothing fitted to change.",
                             "split_rows: one seeded permutation of range(n); its first round(0.2 n) ids are test, "
                             "the next round(0.15 (n - n_test)) calibration, the rest train, each sorted. "
                             "train_pipeline: CV, Preprocessor.fit and the final fit on train rows only, q from the "
                             "calibration residuals, the test rows scored once at the end.",
                             "The classic leak is Preprocessor.fit on the whole frame (the test rows' medians and "
                             "means creep in), or q from test residuals. Fit on the train part of the split and "
                             "nothing else.")),
            Milestone("Deploy a working API: POST /predict over real HTTP (waitress) with a 90% conformal interval",
                      T + "test_api.py::test_predict_one_record_matches_the_bundle",
                      learner=(PIPE + "api:parse_body", PIPE + "features:Preprocessor.transform_records"),
                      hints=("The server must turn a JSON request into the same model input as training did, so "
                             "the prediction over HTTP equals the pipeline's own, with its 90% interval "
                             "prediction +/- q.",
                             "parse_body: json.loads the bytes; an object is one record, a list holds 1 to "
                             "MAX_RECORDS of them; validate each. transform_records: the numbers (None -> NaN), "
                             "the ratio columns, NaN -> the training medians, the one-hot columns, then (x - "
                             "self.mean) / self.std: (n, d) in the order of self.features.",
                             "It must equal Preprocessor.transform on the same rows: numeric, then ratio, then "
                             "one-hot columns, the same baseline level, the training statistics. Try it: python "
                             "-m learn run ml_pipeline -- train housing_data.csv --fast, then -- serve")),
        ),
        boss=(
            Milestone("M10: preprocess, train, evaluate, visualise California housing: test RMSE <= $50k, R^2 >= 0.80,"
                      " conformal coverage 88-92%", T + "test_ml_pipeline.py::test_cli_transcript_full_run",
                      learner=(PIPE + "models:GradientBoosting.fit", PIPE + "conformal:conformal_quantile"),
                      hints=("On all 20,640 houses the best model must reach a test RMSE of at most $50,000 and R^2 "
                             ">= 0.80, and the 90% interval must cover 88-92% of the test rows. Gradient boosting "
                             "wins on RMSE; the conformal quantile sets the coverage.",
                             "Boosting: F_0 = mean(y); each tree fits the residuals y - F_{m-1} (on a random half "
                             "of the rows) and F_m = F_{m-1} + nu h_m(X). Conformal: q = the ceil((n + 1)(1 - "
                             "alpha))-th smallest |residual| on the calibration rows (inf if that rank passes n).",
                             "Update F on every row, not only on those the tree saw; the rank counts from 1, so it "
                             "is s[rank - 1] of the sorted residuals. The full run takes minutes: python -m learn "
                             "run ml_pipeline -- train housing_data.csv")),
            Milestone("M10: the pipeline is composable steps and runs on another CSV with --target",
                      T + "test_ml_pipeline.py::test_cli_other_csv_with_target",
                      learner=(PIPE + "features:column_kinds", "train_pipeline"),
                      hints=("Nothing in the pipeline may assume houses: given another table and --target it must "
                             "find the feature columns, encode them and train. The check predicts the petal length "
                             "of iris flowers.",
                             "column_kinds: skip the target; a column whose present values all parse as numbers "
                             "is numeric; text with at most MAX_LEVELS (20) distinct values is categorical; empty "
                             "columns and other text (ids, free text) are dropped. Three lists, in column order.",
                             "pd.to_numeric(present, errors=\"coerce\").notna().all() says whether every present "
                             "value is a number. Test for numbers before counting levels: a numeric column can "
                             "have few distinct values too.")),
            Milestone("M10: the approach and results written up in a notebook that executes top to bottom",
                      T + "test_notebook.py::test_notebook_executes_top_to_bottom",
                      learner=("train_pipeline", PIPE + "api:validate_record"),
                      hints=("The notebook tells the story with the real objects: it loads and explores the data, "
                             "fits the preprocessing, compares the five models, shows the interval and calls the "
                             "API, all through the pipeline package.",
                             "It runs in a Jupyter kernel that loads your workspace code, and expects 20,640 rows, "
                             "Gradient Boosting as the best model, a 90% interval, and a 422 answer naming "
                             "ocean_proximity for an unknown category.",
                             "To watch it on your code, put a first cell `from learn import patch; "
                             "patch.install()` into phase5_capstone/pipeline_report.ipynb and run it top to bottom "
                             "(leave that cell out of the saved notebook).")),
            Milestone("Boss: REST API (Flask + waitress): every bad input gets a 4xx JSON error naming the field",
                      T + "test_api.py::test_bad_records_get_4xx_naming_the_field",
                      learner=(PIPE + "api:validate_record",),
                      hints=("A client that sends a bad record deserves an answer it can act on: a 4xx status and "
                             "a JSON body whose field names what is wrong, never a crash (500).",
                             "Check in this order: a dict at all, unknown fields, missing fields, then the numbers "
                             "(None is fine; bools, text, NaN and infinity are not) and the text fields (a str, "
                             "one of the training levels). Raise ApiError(422, where + name, message) at the "
                             "first problem.",
                             "True and False are ints in Python: test isinstance(value, bool) before "
                             "isinstance(value, int | float). math.isfinite rejects NaN and both infinities.")),
            Milestone("Boss: REST API: schemathesis against /openapi.json finds no 5xx and no schema violation",
                      T + "test_api.py::test_schemathesis_finds_no_server_errors",
                      learner=(PIPE + "api:validate_record", PIPE + "api:parse_body"),
                      hints=("schemathesis reads /openapi.json and fires generated requests at the server, valid "
                             "and invalid ones. Every answer must be below 500 and match the documented schema.",
                             "What the schema allows must get 200; anything else a 4xx from parse_body or "
                             "validate_record. A list is checked record by record, with fields named [i].name.",
                             "The odd cases are the ones that slip through: an empty list, a list longer than "
                             "MAX_RECORDS, a number where a string belongs, null in a text field, a nested list. "
                             "Catch each yourself rather than letting an exception reach Flask.")),
        ),
        bench=("bench.bench_capstone:ml_pipeline",),
        datasets=("california-housing",),
    ),
]
