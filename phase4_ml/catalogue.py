"""Phase 4 catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/phase4_ml/"

PROJECTS = [
    Project(
        key="linear_regression",
        title="Linear Regression from Scratch (normal equation, gradient descent, Ridge, Lasso)",
        phase="phase4_ml",
        script="phase4_ml/linear_regression.py",
        number=13,
        commands=("python phase4_ml/linear_regression.py housing_data.csv",
                  "python phase4_ml/linear_regression.py housing_data.csv --drop B",
                  "python phase4_ml/linear_regression.py --toy"),
        tour=(TourStep(("phase4_ml/linear_regression.py", "housing_data.csv")),
              TourStep(("phase4_ml/linear_regression.py", "--toy"))),
        milestones=(
            Milestone("Normal equation works (coefficients equal scikit-learn's LinearRegression to 1e-6)",
                      T + "test_linear_regression.py::test_normal_equation_matches_sklearn",
                      learner=("normal_equation",),
                      hints=("Least squares picks the w whose residuals y - X w are at right angles to every "
                             "column of X: that condition is a small square system of equations.",
                             "With centred X (n, d) and y (n,), solve (X^T X) w = X^T y: a (d, d) matrix times "
                             "w (d,) equals a (d,) vector. Ridge adds alpha to the diagonal first.",
                             "Use np.linalg.solve(gram, rhs), not np.linalg.inv: it is faster and more accurate. "
                             "alpha * np.eye(d) adds alpha to the diagonal only.")),
            Milestone("Gradient descent converges to the same answer (OLS and Ridge, 1e-4 relative)",
                      T + "test_linear_regression.py::test_gradient_descent_converges_to_the_closed_forms",
                      learner=("ridge_gradient",),
                      hints=("Gradient descent walks downhill on the loss: the gradient says which way is up, "
                             "so each step moves the weights a little the other way.",
                             "With residuals r = y - Z v - b on m rows: dL/dv = -2 Z^T r / m (d,) plus the "
                             "penalty's 2 penalty * v / n_total, and dL/db = -2 mean(r).",
                             "Divide the data term by the batch size m = len(r) but the penalty by n_total, "
                             "and mind the minus sign: r is y minus the prediction.")),
            Milestone("Regularization reduces overfitting (degree-2 features: Ridge halves the test MSE)",
                      T + "test_linear_regression.py::test_regularisation_reduces_overfitting",
                      learner=("normal_equation", "polynomial_features"),
                      hints=("Squares and products of the features let a linear model bend, and with few rows "
                             "it bends to fit the noise too; Ridge's penalty alpha ||w||^2 holds it back.",
                             "Degree 2 of (n, d) adds the d(d+1)/2 products x_i x_j with i <= j: (n, d + "
                             "d(d+1)/2) in all. Ridge solves (X^T X + alpha I) w = X^T y.",
                             "np.triu_indices(d) gives the pairs (i, j) with i <= j in the expected order; "
                             "multiply whole columns X[:, i] * X[:, j] instead of looping over rows.")),
            Milestone("Can predict on new data (held-out R^2 > 0.6 on Boston housing)",
                      T + "test_linear_regression.py::test_predicts_new_data",
                      learner=("LinearRegression.predict",),
                      hints=("A fitted model is just its weights and intercept: predicting a new row is the "
                             "same weighted sum, whatever data it was fitted on.",
                             "y_hat = X w + b: (m, d) @ (d,) gives (m,), then add the number b to every entry.",
                             "Read the fitted values from self.coef_ and self.intercept_, and turn X into a "
                             "float array first (a list or an integer array must work too).")),
        ),
        boss=(
            Milestone("M4: linear regression with gradient descent, no scikit-learn (equals the normal equation)",
                      T + "test_linear_regression.py::test_gradient_descent_converges_to_the_closed_forms",
                      learner=("ridge_gradient", "normal_equation"),
                      hints=("Both methods minimise the same loss, so they must land on the same weights: "
                             "the normal equation in one solve, gradient descent step by step.",
                             "The gradient of ||y - Z v - b||^2 / m is -2 Z^T r / m for v and -2 mean(r) for b; "
                             "at the optimum both are zero, which is the normal equation again.",
                             "If gradient descent stops close to but not on the answer, check the factor 2 of "
                             "the penalty and that the penalty is divided by n_total, not by m.")),
            Milestone("M4: a generated toy dataset; the fitted parameters are the true ones (--toy)",
                      T + "test_linear_regression.py::test_toy_recovers_the_true_parameters",
                      learner=("make_toy",),
                      hints=("Make data whose answer you know: pick the weights and the intercept yourself, "
                             "then check that fitting finds them again.",
                             "X (n, 3) uniform in [-2, 2]; y = X @ w_true + b_true + noise with noise ~ N(0, "
                             "0.5^2) of shape (n,).",
                             "Draw from np.random.default_rng(seed), X first and the noise second, and return "
                             "(X, y, w_true, b_true) with w_true = [3, -2, 0.5] and b_true = 4.")),
        ),
        bench=("bench.bench_phase4:linear_regression",),
        datasets=("boston-housing",),
    ),
    Project(
        key="logistic_regression",
        title="Logistic Regression from Scratch (sigmoid, softmax, cross-entropy)",
        phase="phase4_ml",
        script="phase4_ml/logistic_regression.py",
        number=14,
        commands=("python phase4_ml/logistic_regression.py iris.csv",
                  "python phase4_ml/logistic_regression.py mnist",
                  "python phase4_ml/logistic_regression.py titanic.csv",
                  "python phase4_ml/logistic_regression.py --toy"),
        tour=(TourStep(("phase4_ml/logistic_regression.py", "iris.csv")),
              TourStep(("phase4_ml/logistic_regression.py", "--toy")),
              TourStep(("phase4_ml/logistic_regression.py", "mnist", "--epochs", "2"))),
        milestones=(
            Milestone("Binary classification works (sigmoid + cross-entropy reach scikit-learn's optimum, 1e-4)",
                      T + "test_logistic_regression.py::test_binary_reaches_sklearn_optimum",
                      learner=("sigmoid", "logistic_gradient"),
                      hints=("The model scores a row with a weighted sum z = x.w + b and turns the score into "
                             "a probability with the sigmoid; training nudges w and b to make the true labels "
                             "more probable.",
                             "sigmoid(z) = 1 / (1 + e^-z). With P = sigmoid(X W + b) (m,), the cross-entropy "
                             "gradient is dL/dW = X^T (P - Y) / m + penalty * W (d,) and dL/db = mean(P - Y).",
                             "e^-z overflows for z = -1000: for z < 0 use the equal form e^z / (1 + e^z). And "
                             "keep the penalty term: without it the fit misses scikit-learn's optimum.")),
            Milestone("Multiclass with softmax works (iris loss within 1e-4 of lbfgs; >= 95% test accuracy)",
                      T + "test_logistic_regression.py::test_multiclass_reaches_sklearn_optimum",
                      learner=("log_softmax", "logistic_gradient"),
                      hints=("With K classes the model gives each class its own score, and softmax turns the "
                             "K scores of a row into K probabilities that add up to 1.",
                             "log softmax(z)_k = z_k - log(sum_j e^{z_j}) along the last axis: (n, K) -> (n, K). "
                             "The gradient is the binary one with one-hot Y (m, K): X^T (P - Y) / m.",
                             "Subtract each row's maximum before exponentiating (keepdims=True keeps the shapes "
                             "lined up); it leaves the result unchanged and stops e^1000 overflowing.")),
            Milestone("Can visualize decision boundary (class regions and probability maps on two features)",
                      T + "test_logistic_regression.py::test_decision_boundary_figures",
                      learner=("LogisticRegression.predict_proba",),
                      hints=("The decision boundary is where the model is undecided: where two classes get the "
                             "same probability. Colour the plane by the most probable class to see it.",
                             "predict_proba: logits Z = X W + b (n, K); binary: p = sigmoid(Z) and the columns "
                             "[1 - p, p]; multiclass: softmax of each row.",
                             "Use self.decision_function(X) for the logits, and tell the binary case by "
                             "np.ndim(self.coef_) == 1. Try it: python -m learn run logistic_regression -- iris.csv")),
            Milestone("Probability outputs make sense (they match the true P(y=1|x) of a known model)",
                      T + "test_logistic_regression.py::test_probabilities_make_sense",
                      learner=("LogisticRegression.predict_proba", "sigmoid"),
                      hints=("On data made from a known model, the fitted probabilities should match the true "
                             "P(y = 1 | x): when it says 0.8, about 8 such rows in 10 are 1.",
                             "P(y = 1 | x) = sigmoid(x.w + b); predict_proba returns (n, 2): [1 - p, p] per row, "
                             "so each row sums to 1.",
                             "If the probabilities come out mirrored (near 1 where they should be near 0), check "
                             "which column is class 1 and the sign inside the sigmoid.")),
        ),
        boss=(
            Milestone("M4: logistic regression (classification) from scratch; gradient = finite differences",
                      T + "test_logistic_regression.py::test_gradient_matches_finite_differences",
                      learner=("logistic_gradient",),
                      hints=("Check a gradient without calculus: nudge one weight by +eps and -eps, and the "
                             "change in the loss divided by 2 eps should equal that entry of your gradient.",
                             "dL/dW = X^T (P - Y) / m + penalty * W has the shape of W ((d,) or (d, K)); "
                             "dL/db = (P - Y).mean(axis=0) has the shape of b.",
                             "Divide by the batch size m = len(X), not by the number of weights, and do not "
                             "penalise the intercept.")),
            Milestone("M4: accuracy evaluated on a generated toy dataset, true vs recovered parameters (--toy)",
                      T + "test_logistic_regression.py::test_toy_cli",
                      learner=("make_toy",),
                      hints=("Make labels from a model you know, then see whether fitting finds that model "
                             "again.",
                             "X (n, 2) standard normal; y_i = 1 with probability sigmoid(x_i.w + b), w = [2, -3], "
                             "b = 0.5: compare n uniform numbers with those probabilities.",
                             "Draw from np.random.default_rng(seed), X first, then the uniforms; return y as "
                             "integers, and (X, y, w_true, b_true).")),
        ),
        bench=("bench.bench_phase4:logistic_regression",),
        datasets=("iris", "mnist"),
    ),
    Project(
        key="kmeans",
        title="K-Means Clustering from Scratch (k-means++, elbow, silhouette, colour quantisation)",
        phase="phase4_ml",
        script="phase4_ml/kmeans.py",
        number=15,
        commands=("python phase4_ml/kmeans.py customer_data.csv --k 4",
                  "python phase4_ml/kmeans.py --image photo.jpg --k 8"),
        tour=(TourStep(("phase4_ml/kmeans.py", "customer_data.csv", "--k", "4")),
              TourStep(("phase4_ml/kmeans.py", "--image", "photo.jpg", "--k", "8"))),
        milestones=(
            Milestone("Basic k-means converges (same assignments and inertia as scikit-learn from the same start)",
                      T + "test_kmeans.py::test_lloyd_matches_sklearn_from_the_same_start",
                      learner=("nearest_centroid", "update_centroids"),
                      hints=("Lloyd's algorithm repeats two steps until nothing changes: give every point to "
                             "its nearest centroid, then move every centroid to the mean of its points.",
                             "Assign: ||x - c||^2 = ||x||^2 - 2 c.x + ||c||^2, and ||x||^2 is the same for every "
                             "c, so take the argmin over k of ||c_k||^2 - 2 c_k.x: C @ XT is (k, n). Update: "
                             "mu_k = sum of its points / their count, (k, d).",
                             "Take the argmin over the centroid axis (axis 0 of the (k, n) scores). A cluster "
                             "that lost all its points must still get a centroid: use a far-away point.")),
            Milestone("k-means++ gives better results (lower inertia than random seeding on 10 blobs)",
                      T + "test_kmeans.py::test_kmeans_plus_plus_beats_random_seeding",
                      learner=("kmeans_plusplus",),
                      hints=("Random starting centroids often land two in one cluster and none in another; "
                             "k-means++ spreads them out by preferring points far from the centroids so far.",
                             "First centroid: a random point. Then, k - 1 times: D2 = squared distance of every "
                             "point to its nearest chosen centroid (n,), pick a point with probability "
                             "D2 / D2.sum().",
                             "Keep D2 up to date with np.minimum(D2, distances to the new centroid) instead of "
                             "recomputing against all of them; and draw with rng, in the order the docstring "
                             "gives.")),
            Milestone("Elbow method helps choose k (the elbow and the silhouette peak find the true k)",
                      T + "test_kmeans.py::test_elbow_finds_the_number_of_blobs",
                      learner=("elbow_k", "silhouette_score"),
                      hints=("Inertia always falls as k grows, so its minimum says nothing; look instead for "
                             "the k after which it stops falling fast (the elbow), or for the k whose clusters "
                             "are the most clearly apart (the silhouette).",
                             "Elbow: drops = -diff(inertias); the elbow maximises drops[k-1 -> k] / drops[k -> "
                             "k+1]. Silhouette of a point: s = (b - a) / max(a, b) with a, b mean distances to "
                             "its own and to the nearest other cluster.",
                             "In a, leave the point itself out: divide by (its cluster's size - 1), and give a "
                             "point alone in its cluster s = 0.")),
            Milestone("Apply to real data (wholesale customers segmented; photo colour-quantised)",
                      T + "test_kmeans.py::test_cli_transcript",
                      learner=("nearest_centroid", "update_centroids"),
                      hints=("Your assignment and update steps now run the whole script: python -m learn run "
                             "kmeans -- customer_data.csv --k 4 (and --image photo.jpg --k 8).",
                             "Real spending data is skewed: the script takes log(1 + x) and standardises each "
                             "column first, so that no single column dominates the distances.",
                             "If the run never prints Converged!, check that labels stop changing: ties must go "
                             "to the same centroid every time (np.argmin takes the first).")),
        ),
        bench=("bench.bench_phase4:kmeans",),
        datasets=("wholesale-customers", "astronaut"),
    ),
    Project(
        key="decision_tree",
        title="Decision Tree Classifier from Scratch (Gini/entropy, pruning, regression trees)",
        phase="phase4_ml",
        script="phase4_ml/decision_tree.py",
        number=16,
        commands=("python phase4_ml/decision_tree.py titanic.csv",
                  "python phase4_ml/decision_tree.py titanic.csv --criterion entropy --max-depth 3",
                  "python phase4_ml/decision_tree.py housing_data.csv"),
        tour=(TourStep(("phase4_ml/decision_tree.py", "titanic.csv")),
              TourStep(("phase4_ml/decision_tree.py", "housing_data.csv", "--max-depth", "4"))),
        milestones=(
            Milestone("Tree correctly splits data (vectorised split search = brute force over all thresholds)",
                      T + "test_decision_tree.py::test_best_split_equals_brute_force",
                      learner=("gini_of", "best_split_textbook"),
                      hints=("A good split leaves two groups that are each as pure as possible. Try every "
                             "feature and every threshold between two neighbouring values, and keep the split "
                             "whose two children are the least mixed.",
                             "Gini of labels y: 1 - sum_k p_k^2 with p = np.bincount(y) / len(y). Score a split "
                             "by (n_L I(left) + n_R I(right)) / n and keep the smallest; gain = I(parent) - it.",
                             "Weight each child by its number of rows: a plain average of the two impurities "
                             "favours cutting off one or two rows. Skip splits with fewer than min_samples_leaf "
                             "rows on a side, and keep the tie rule of the docstring.")),
            Milestone("Gini/entropy decrease at each split (and the tree equals scikit-learn's node for node)",
                      T + "test_decision_tree.py::test_identical_tree_importances_and_pruning_path",
                      learner=("gini_of", "entropy_of"),
                      hints=("Gini and entropy both measure how mixed a set of labels is: 0 for a pure set, "
                             "largest when every class is equally common.",
                             "With p_k the share of class k: Gini = 1 - sum p_k^2, entropy = - sum p_k log2 p_k "
                             "(in bits; two equal classes give 1.0).",
                             "A class that does not occur has p_k = 0 and 0 log 0 counts as 0: leave those terms "
                             "out (np.bincount(y) gives zero counts for missing classes below the largest).")),
            Milestone("Can limit depth to prevent overfitting (depth limit and cost-complexity pruning)",
                      T + "test_decision_tree.py::test_depth_limit_and_pruning_fight_overfitting",
                      learner=("weakest_link_alpha",),
                      hints=("A tree grown until its leaves are pure memorises the training rows. Pruning trades "
                             "size for fit: each leaf costs alpha, and a subtree goes once it is not worth its "
                             "leaves.",
                             "With R(t) the weighted impurity of node t as a leaf and R(T_t) that of the leaves "
                             "below it, collapsing t pays once alpha >= (R(t) - R(T_t)) / (|leaves(T_t)| - 1).",
                             "Divide by the number of leaves minus one: collapsing a subtree of L leaves saves "
                             "L - 1 leaves, not L. The arrays are elementwise: one alpha per internal node.")),
            Milestone("Feature importance makes sense (Sex first on Titanic; equal to scikit-learn's)",
                      T + "test_decision_tree.py::test_identical_tree_importances_and_pruning_path",
                      learner=("feature_importances",),
                      hints=("A feature is important when the splits on it remove a lot of impurity from a lot "
                             "of rows; a split near the root on many rows counts for more than one deep down.",
                             "importance_j = sum over the splits on feature j of n_node * gain, then divide by "
                             "the total so that the importances add up to 1: (n_features,).",
                             "A feature can be split on several times: np.add.at adds every one (imp[features] "
                             "+= ... keeps only one per feature). A tree with no split gives all zeros.")),
        ),
        bench=("bench.bench_phase4:decision_tree", "bench.bench_phase4:decision_tree_textbook"),
        datasets=("titanic", "boston-housing"),
    ),
    Project(
        key="sklearn_sprint",
        title="scikit-learn sprint: six classifiers and ours, 5-fold cross-validation, confusion matrices",
        phase="phase4_ml",
        script="phase4_ml/sklearn_sprint.py",
        commands=("python phase4_ml/sklearn_sprint.py",
                  "python phase4_ml/sklearn_sprint.py --datasets iris,digits --folds 10"),
        tour=(TourStep(("phase4_ml/sklearn_sprint.py", "--quick")),),
        boss=(
            Milestone("M5: real datasets (Iris, Titanic, digits) loaded; 6 scikit-learn classifiers compared",
                      T + "test_sklearn_sprint.py::test_cli_all_three_datasets",
                      learner=("load", "models"),
                      hints=("scikit-learn ships small datasets (load_iris, load_digits) and gives every "
                             "classifier the same fit / predict interface, so comparing six of them is a loop.",
                             "load returns (X, y, class names, an unfitted preprocessing step); models returns a "
                             "dict name -> unfitted classifier. Titanic needs a ColumnTransformer: impute and "
                             "scale the numbers, impute and one-hot encode the text columns.",
                             "Fix random_state=seed on the random models so that every run prints the same "
                             "table, and leave every step unfitted: cross-validation fits them per fold.")),
            Milestone("M5: 5-fold cross-validation (mean +- std) and confusion-matrix plots",
                      T + "test_sklearn_sprint.py::test_cli_all_three_datasets",
                      learner=("cross_val_accuracy", "evaluate"),
                      hints=("One train/test split gives one noisy number. Cross-validation splits the data into "
                             "k folds and lets each fold be the test set once: k scores, their mean and spread.",
                             "For each (train, test) in splitter.split(X, y): fit a fresh clone of the pipeline "
                             "on the training rows, score the test rows; return (mean, std) of the k scores.",
                             "Fit on the training folds only (a clone per fold), or information from the test "
                             "fold leaks in; np.std divides by k. cross_validate(pipe, X, y, cv=splitter) does "
                             "the loop for you.")),
            Milestone("M5: our from-scratch models run through the same scikit-learn folds and pipelines",
                      T + "test_sklearn_sprint.py::test_our_models_work_inside_sklearn_cross_validation",
                      learner=("pipelines", "cross_val_accuracy"),
                      hints=("A Pipeline glues the preprocessing to the model, so that cross-validation refits "
                             "both on each training fold: that is what makes the comparison fair.",
                             "pipelines: name -> make_pipeline(clone(prep), model) for every model; for a count "
                             "dataset add the naive Bayes models of count_models() with no preprocessing.",
                             "Give each model its own clone of prep (one shared step would be refitted by every "
                             "model), and keep scaling away from the counts: it makes them negative.")),
        ),
        datasets=("titanic",),
        requires=("sklearn",),
    ),
    Project(
        key="neural_network",
        title="Simple Neural Network (Perceptron -> MLP), NumPy backprop by hand",
        phase="phase4_ml",
        script="phase4_ml/neural_network.py",
        number=17,
        commands=("python phase4_ml/neural_network.py mnist",
                  "python phase4_ml/neural_network.py --dataset fashion-mnist",
                  "python phase4_ml/neural_network.py --perceptron and --explain",
                  "python phase4_ml/neural_network.py --perceptron xor"),
        tour=(TourStep(("phase4_ml/neural_network.py", "--perceptron", "and", "--explain", "1")),
              TourStep(("phase4_ml/neural_network.py", "--perceptron", "xor")),
              TourStep(("phase4_ml/neural_network.py", "mnist", "--epochs", "2"))),
        milestones=(
            Milestone("Single perceptron learns AND/OR",
                      T + "test_neural_network.py::test_perceptron_learns_and_or",
                      learner=("perceptron_step",),
                      hints=("One neuron computes p = sigmoid(w . x + b), the probability that the output is 1. "
                             "Training nudges w and b downhill on the cross-entropy, again and again, until the "
                             "four rows of the truth table come out right.",
                             "x (4, 2), y (4,): z = x w + b, p = sigmoid(z), loss = mean(log(1 + e^z) - y z). "
                             "dL/dz = (p - y) / n (4,), dL/dw = x^T dL/dz (2,), dL/db = sum(dL/dz); then w - lr "
                             "dL/dw and b - lr dL/db.",
                             "Return every key the docstring lists (z, p, loss, dz, dw, db, w_new, b_new): the "
                             "--explain printout reads them. Step against the gradient (minus), and divide dL/dz "
                             "by n once only.")),
            Milestone("Hidden layer learns XOR (a single neuron cannot)",
                      T + "test_neural_network.py::test_xor_single_neuron_fails_hidden_layer_solves_it",
                      learner=("train_xor_mlp",),
                      hints=("No straight line separates XOR's two 1s from its two 0s, so one neuron cannot learn "
                             "it. A hidden layer bends the space first: two tanh units, then the sigmoid neuron on "
                             "top of them.",
                             "Build MLP([2, 2, 1], activation=\"tanh\", output=\"sigmoid\", dtype=np.float64, seed="
                             "seed + attempt - 1), train it with SGD(lr, momentum=0.9) by model.train_step(GATE_X, "
                             "y, opt) for steps steps, keep the losses.",
                             "With only two hidden units some starts end in a local minimum with one point wrong: "
                             "if the predictions are not all right, or the last loss is not below 0.1, start again "
                             "from the next seed, up to restarts times. Return (model, losses, attempt).")),
            Milestone("MLP achieves >95% on MNIST (784-128-64-10, 20 epochs: >= 98.0% test accuracy)",
                      T + "test_neural_network.py::test_mnist_default_run_reaches_98_percent",
                      learner=("prepare_images", "cross_entropy"),
                      hints=("A good network also needs good inputs and an honest loss: pixels rescaled to a "
                             "common scale, a validation set kept apart, and the cross-entropy it minimises. Your "
                             "functions feed the full 20-epoch run: python -m learn run neural_network -- mnist",
                             "prepare_images: flatten to (n, 784) float32, split off the LAST val training images, "
                             "standardise every set with the mean and std of the training pixels (in [0, 1] "
                             "units). cross_entropy: -mean_i log p[i, y_i] for p (n, k) and labels y (n,).",
                             "Use the training statistics for the validation and test images too. In cross_entropy "
                             "pick one probability per row, p[np.arange(n), y] (not p[:, y]), and raise zeros to "
                             "the smallest positive float before the log; the run's gradient check uses your loss.")),
            Milestone("Gradient check passes (relative error < 1e-6, every activation and output head)",
                      T + "test_neural_network.py::test_gradient_check_every_layer_and_activation",
                      learner=("numerical_gradient", "output_delta", "mlp_backward"),
                      hints=("Backprop can be checked without any calculus: nudge one weight up and down by a "
                             "tiny eps, and the change in the loss over 2 eps must equal that weight's gradient.",
                             "numerical_gradient: (L(w + eps) - L(w - eps)) / (2 eps) for each flat index, putting "
                             "the weight back afterwards. output_delta: (p - onehot(y)) / n for softmax, (p - y) / n "
                             "for sigmoid, 2 (y_hat - y) / (n k) for linear. mlp_backward: dW_l = a_{l-1}^T delta_l, "
                             "db_l = sum of delta_l's rows, delta_{l-1} = (delta_l W_l^T) f'(z_{l-1}).",
                             "Restore each weight after its two nudges, or every later check is off. Go through the "
                             "layers from the last to the first, and multiply by f' of the layer below (zs[i - 1]), "
                             "not of the current one; the input layer needs no delta.")),
        ),
        boss=(
            Milestone("M6: single-layer perceptron from scratch; its backprop gradient equals finite differences",
                      T + "test_neural_network.py::test_perceptron_step_gradient_matches_finite_differences",
                      learner=("perceptron_step",),
                      hints=("The gradient says how the loss changes when a weight moves a little. The check moves "
                             "each weight by +-1e-6 and compares the change in your loss with your dw and db.",
                             "For sigmoid + cross-entropy the chain rule collapses: dL/dz = (p - y) / n. Then dL/dw "
                             "= x^T dL/dz (2,) and dL/db = sum(dL/dz), a number.",
                             "The loss must be the mean binary cross-entropy, mean(log(1 + e^z) - y z) "
                             "(np.logaddexp(0, z) is the safe log(1 + e^z)), and the gradient that of this same "
                             "loss: same mean, same n.")),
            Milestone("M6: trained on linearly separable data (AND/OR) with the decision boundary plotted, "
                      "every step explained (forward pass, loss, gradient, weight update)",
                      T + "test_neural_network.py::test_perceptron_cli_explain",
                      learner=("explain_step", "perceptron_step"),
                      hints=("Explaining a step means showing its four parts with the real numbers: what the neuron "
                             "computed, how wrong it was, which way each weight should move, and where it moved.",
                             "explain_step returns lines: \"--- step N ---\", then \"forward:\" (z = X w + b and p), "
                             "\"loss:\", \"gradient:\" (dL/dz, dL/dw, dL/db) and \"update:\" (the new w and b), read "
                             "from the record that perceptron_step returned.",
                             "Keep the labels forward:, loss:, gradient:, update: exactly (the check looks for "
                             "them). Try it: python -m learn run neural_network -- --perceptron and --explain 2")),
            Milestone("M6: hand-written forward/backward equal PyTorch autograd (float64, 1e-10)",
                      T + "test_neural_network.py::test_forward_backward_equal_pytorch_autograd",
                      learner=("softmax", "cross_entropy", "mlp_forward", "mlp_backward"),
                      hints=("A network is layers of z = a W + b followed by an activation; backprop runs the chain "
                             "rule back through the same layers. Both tiers, the fast one and your textbook one "
                             "(MLP(..., reference=True)), must equal PyTorch's autograd to 1e-10.",
                             "mlp_forward: activations = [x]; per layer z = a W + b, then f(z) for the hidden "
                             "layers and the output head for the last; return (zs, activations). softmax: e^(z - "
                             "max) / sum along each row, (n, k). cross_entropy: -mean log p[i, y_i].",
                             "Use the head (softmax, sigmoid or identity) on the last layer only, keep every z for "
                             "the backward pass, and subtract each row's maximum in softmax (keepdims=True) so e^z "
                             "cannot overflow.")),
        ),
        bench=("bench.bench_phase4:neural_network", "bench.bench_phase4:neural_network_textbook"),
        datasets=("mnist",),
    ),
    Project(
        key="backprop_viz",
        title="Backpropagation Visualizer (gradients flowing, vanishing with sigmoid)",
        phase="phase4_ml",
        script="phase4_ml/backprop_viz.py",
        number=18,
        commands=("python phase4_ml/backprop_viz.py",
                  "python phase4_ml/backprop_viz.py --headless --steps 200",
                  "python phase4_ml/backprop_viz.py --headless --steps 1 --layers 2,8,8,8,8,8,1 --activation sigmoid"),
        tour=(TourStep(("phase4_ml/backprop_viz.py", "--headless", "--steps", "150", "--frames", "10")),
              TourStep(("phase4_ml/backprop_viz.py", "--headless", "--steps", "30", "--frames", "3",
                        "--layers", "2,8,8,8,8,8,1", "--activation", "sigmoid"))),
        milestones=(
            Milestone("Visualize a simple network (diagram, loss curve, gradient norms; frames and GIF)",
                      T + "test_backprop_viz.py::test_cli_headless_saves_frames_and_gif",
                      learner=("format_gradient_norms", "Trainer.gradient_norms"),
                      hints=("Backprop hands every weight matrix a gradient; the size of that gradient per "
                             "layer shows at a glance which layers are learning and which barely move.",
                             "gradient_norms: one number per weight layer, sqrt(sum of squares) of dW_l, in layer "
                             "order (L,). format_gradient_norms: a line per layer, then first / last and a "
                             "verdict (below 1e-2: vanishing).",
                             "Keep the text format of the docstring (the script and its checks read it), and "
                             "guard the ratio when the last norm is 0. Try: python -m learn run backprop_viz -- "
                             "--headless --steps 20")),
            Milestone("See vanishing gradients with sigmoid (first layer >= 100x smaller than last; not with ReLU)",
                      T + "test_backprop_viz.py::test_vanishing_gradients_sigmoid_not_relu",
                      learner=("Trainer.gradient_norms",),
                      hints=("Going backwards, each layer multiplies the gradient by f'(z); sigmoid' is at most "
                             "1/4, so after five sigmoid layers little is left for the first one. ReLU' is 1 "
                             "on the active units.",
                             "||dL/dW_l||_F = sqrt(sum of dW_l squared) for l = 1..L, with layer 1 nearest the "
                             "input: np.linalg.norm of each matrix in self.model.dW.",
                             "Keep the layers in order (index 0 = the first layer, nearest the input): reversed, "
                             "the first/last ratio turns upside down.")),
            Milestone("Compare architectures (step, activation toggle, add layer/neuron by key and button)",
                      T + "test_backprop_viz.py::test_window_events_drive_model_and_drawing",
                      learner=("Trainer.step", "Trainer.add_layer"),
                      hints=("Training is a loop of the same step: forward and backward on the data, then "
                             "move every weight a little against its gradient. Changing the architecture means "
                             "a fresh network.",
                             "step: loss_and_grad(x, y), optimizer.step(params, grads), then refresh() and record "
                             "the loss, n times. add_layer: insert a copy of the last hidden size before the "
                             "output and rebuild.",
                             "Call refresh() after the update, so that the window shows the new weights' "
                             "activations; count self.steps and append to self.losses once per step.")),
            Milestone("Explain backprop: the hovered node's activation and gradient equal an independent "
                      "finite-difference computation",
                      T + "test_backprop_viz.py::test_hover_shows_true_activation_and_gradient",
                      learner=("Trainer.node_info",),
                      hints=("Each node has two numbers worth showing: what it outputs on the data (forward "
                             "pass) and how much the loss changes when its bias moves (backward pass).",
                             "Activation: self.acts[layer][:, unit], mean and std over the data. Gradient: "
                             "dL/db of the node, self.model.db[layer - 1][unit].",
                             "Node layer l is fed by weight layer l - 1 (the weights start at the first hidden "
                             "layer), and the input layer (0) has no gradient at all.")),
        ),
    ),
]
