"""Phase 1 catalogue entries (see tools/catalogue.py)."""

from tools.catalogue import Milestone, Project, TourStep

T = "tests/phase1_linalg/"

PROJECTS = [
    Project(
        key="linalg_basics",
        title="Linear algebra basics: pure Python vs NumPy, 2x2 eigen",
        phase="phase1_linalg",
        script="phase1_linalg/linalg_basics.py",
        commands=("python phase1_linalg/linalg_basics.py",),
        tour=(TourStep(("phase1_linalg/linalg_basics.py",)),),
        boss=(
            Milestone("M1: vector add, dot and matmul in pure Python and NumPy agree",
                      T + "test_linalg_basics.py::test_pure_python_ops_match_numpy",
                      learner=("dot", "matmul"),
                      hints=("A dot product multiplies matching entries and adds them up; each entry of a "
                             "matrix product is one such dot product, of a row of A with a column of B.",
                             "u . v = sum_i u_i v_i. For A (n x k) and B (k x m), C = A B is n x m with "
                             "C_ij = sum_p A_ip B_pj: three nested loops over i, p and j.",
                             "Check the lengths first and raise ValueError when they differ; start each "
                             "sum at 0.0 and let the inner index run over all k terms, not k - 1.")),
            Milestone("M1: vectors and the grid under rotate / scale / project (figure)",
                      T + "test_linalg_basics.py::test_cli_transcript",
                      learner=("rotation", "projection"),
                      hints=("A 2x2 matrix moves every vector; its columns are where e1 = (1, 0) and "
                             "e2 = (0, 1) land, so you can build it by asking where the axes should go.",
                             "Rotation by t sends e1 to (cos t, sin t) and e2 to (-sin t, cos t). Projection "
                             "onto a line with unit direction u is P = u u^T (an outer product, 2 x 2).",
                             "Normalise the direction before the outer product, or P P will not equal P; "
                             "math.cos and math.sin take radians, not degrees.")),
            Milestone("M1: 2x2 eigenvalues and eigenvectors by hand equal numpy.linalg.eig",
                      T + "test_linalg_basics.py::test_eigen_2x2_matches_numpy",
                      learner=("eigen_2x2",),
                      hints=("An eigenvector keeps its direction under A: A v = lambda v, so A - lambda I "
                             "squashes v to zero and its determinant must be 0.",
                             "For [[a, b], [c, d]]: lambda^2 - (a + d) lambda + (ad - bc) = 0, so "
                             "lambda = tr/2 +- sqrt(tr^2/4 - det); then v = (b, lambda - a) solves the first row.",
                             "Use cmath.sqrt so a negative discriminant gives the complex pair; when b = 0 "
                             "use (lambda - d, c), and when b = c = 0 the axes; scale each v to length 1.")),
        ),
        bench=("bench.bench_phase1:linalg_basics",),
    ),
    Project(
        key="vector_graphics",
        title="2D vector graphics engine (3x3 homogeneous matrices) + Asteroids",
        phase="phase1_linalg",
        script="phase1_linalg/vector_graphics.py",
        number=1,
        commands=("python phase1_linalg/vector_graphics.py",
                  "python phase1_linalg/vector_graphics.py --asteroids",
                  'python phase1_linalg/vector_graphics.py --headless --keys "R R S right shift+S"'),
        tour=(TourStep(("phase1_linalg/vector_graphics.py", "--headless")),
              TourStep(("phase1_linalg/vector_graphics.py", "--asteroids", "--headless", "--frames", "600"))),
        milestones=(
            Milestone("Draw a triangle from three vectors",
                      T + "test_vector_graphics.py::test_draw_triangle_from_vectors",
                      learner=("apply",),
                      hints=("A point (x, y) becomes (x, y, 1) so that a 3x3 matrix can move it, turn it "
                             "and scale it in one product; the triangle is three such points.",
                             "For points of shape (..., 2): append a 1 to get (..., 3), compute M p for each "
                             "(M is (3, 3) or one matrix per point, (..., 3, 3)), then divide x' and y' by w'.",
                             "Let broadcasting do the loop: (M * p[..., None, :]).sum(axis=-1) multiplies "
                             "every row of M by p; keep only the first two coordinates at the end.")),
            Milestone("Rotate the triangle with a matrix (R(a)R(b) = R(a+b), det R = 1)",
                      T + "test_vector_graphics.py::test_rotation_composition",
                      learner=("rotation",),
                      hints=("The columns of a matrix are where the axes land: turning by t sends (1, 0) to "
                             "(cos t, sin t) and (0, 1) to (-sin t, cos t). The third column keeps the origin.",
                             "R(t) = [[cos t, -sin t, 0], [sin t, cos t, 0], [0, 0, 1]]; for an array of n "
                             "angles return a stack (n, 3, 3), one matrix per angle.",
                             "The minus sign belongs on the sine in the top row (anti-clockwise for t > 0); "
                             "start from an identity of shape theta.shape + (3, 3) and fill in four entries.")),
            Milestone("Chain transformations into one matrix (order matters, the inverse undoes it)",
                      T + "test_vector_graphics.py::test_chained_transformations",
                      learner=("compose", "inverse"),
                      hints=("A chain of moves is one matrix: the product of the steps. The matrix nearest "
                             "the point acts first, so compose(T, R, S) scales, then rotates, then moves.",
                             "compose multiplies left to right with matmul(a, b). For the inverse, column i of "
                             "M^-1 is the cross product of the other two rows r_(i+1) x r_(i+2), over det M.",
                             "det M = r0 . (r1 x r2); raise ValueError when it is (nearly) 0, a matrix that "
                             "squashes the plane cannot be undone. Check with M^-1 M = I.")),
            Milestone("Asteroids: rotation-matrix ship, thrust, bullets, wrapping, collisions, score",
                      T + "test_vector_graphics.py::test_asteroids_physics",
                      learner=("Asteroids.heading", "circle_hits"),
                      hints=("The ship's nose is the vector (0, 1) turned by the ship's angle; thrust and "
                             "bullets go along it. A bullet hits an asteroid when it is closer than the radius.",
                             "heading = R(angle) (0, 1) with the 2x2 block of rotation(). For B points and A "
                             "circles, (B, 1, 2) - (1, A, 2) gives every difference at once, (B, A, 2).",
                             "Take the length over the last axis and compare with the radii as a (1, A) row: "
                             "strictly less than, and return the (B, A) table of booleans, not a count.")),
        ),
        bench=("bench.bench_phase1:vector_graphics",),
    ),
    Project(
        key="image_lab",
        title="Image transformation lab (inverse mapping, interpolation, homography)",
        phase="phase1_linalg",
        script="phase1_linalg/image_lab.py",
        number=2,
        commands=("python phase1_linalg/image_lab.py photo.jpg",
                  'python phase1_linalg/image_lab.py photo.jpg --commands "rotate 45; scale 0.5; save out.jpg"'),
        tour=(TourStep(("phase1_linalg/image_lab.py", "photo.jpg", "--commands",
                        "rotate 45; scale 0.5; shear 0.3 0; flip; perspective; compare; save output.jpg")),),
        milestones=(
            Milestone("Flip the image with a matrix (equals the mirrored array exactly)",
                      T + "test_image_lab.py::test_flip_is_a_matrix",
                      learner=("flip_matrix", "source_coordinates"),
                      hints=("Render backwards: for every output pixel ask where it came from in the input "
                             "(q = A^-1 p) and read the colour there; pushing pixels forward leaves holes.",
                             "A left-right mirror is x -> w - x: T(w, 0) S(-1, 1). Pixel (i, j) has its centre "
                             "at p = (j + 0.5, i + 0.5, 1); q = A^-1 p, divided by its third coordinate.",
                             "Subtract 0.5 from q at the end so input centres sit at whole numbers, and "
                             "broadcast one row of x values against one column of y values instead of looping.")),
            Milestone("Rotate the image correctly (90 degrees equals np.rot90 exactly)",
                      T + "test_image_lab.py::test_rotate_90_is_exact",
                      learner=("rotate_matrix",),
                      hints=("Rotate about the centre of the image, not its corner: move the centre to the "
                             "origin, rotate, and let the canvas grow so the corners still fit.",
                             "linear = R(-t) T(-w/2, -h/2), then fit_canvas(linear, size) adds the shift and "
                             "works out the new size. The angle goes in as radians.",
                             "The image's y axis points down, so R(-t) turns anti-clockwise on screen; if your "
                             "90-degree turn equals np.rot90(img, -1), the sign is the other way round.")),
            Milestone("Bilinear interpolation: blends 4 neighbours where nearest is blocky",
                      T + "test_image_lab.py::test_bilinear_blends_neighbours",
                      learner=("bilinear_blend",),
                      hints=("Between pixel centres, mix the four surrounding pixels: the closer a neighbour, "
                             "the more of its colour you take.",
                             "With fx, fy the fractional offsets from the top-left neighbour: I = (1-fx)(1-fy) "
                             "I00 + fx(1-fy) I01 + (1-fx) fy I10 + fx fy I11; the four weights sum to 1.",
                             "I01 is the neighbour to the right (x + 1), I10 the one below (y + 1): fx weighs "
                             "left against right, fy top against bottom. Arrays are (C, n), fx and fy (n,).")),
            Milestone("Perspective warp from a homography solved from 4 point pairs",
                      T + "test_image_lab.py::test_homography_from_four_points",
                      learner=("homography",),
                      hints=("A homography is a 3x3 matrix up to scale: fix h33 = 1 and 8 numbers are left, "
                             "and 4 point pairs give exactly 8 equations.",
                             "Multiply u = (h11 x + h12 y + h13) / (h31 x + h32 y + 1) out: h11 x + h12 y + h13 "
                             "- u x h31 - u y h32 = u, and the same for v; stack the rows into an 8x8 system.",
                             "Solve with np.linalg.solve, append the 1 and reshape to 3x3; check the rank first "
                             "(three points on a line) and raise ValueError with the word degenerate.")),
        ),
        bench=("bench.bench_phase1:image_lab",),
        datasets=("astronaut",),
    ),
    Project(
        key="opencv_explorer",
        title="OpenCV explorer: grayscale, blur, Canny, drawing, Haar faces - beside NumPy versions",
        phase="phase1_linalg",
        script="phase1_linalg/opencv_explorer.py",
        commands=("python phase1_linalg/opencv_explorer.py",
                  "python phase1_linalg/opencv_explorer.py photo.jpg --sigma 2 --canny 80 160"),
        tour=(TourStep(("phase1_linalg/opencv_explorer.py", "photo.jpg")),),
        boss=(
            Milestone("M8: load an image with OpenCV and convert it to grayscale (ours = cv2.cvtColor)",
                      T + "test_opencv_explorer.py::test_load_and_grayscale_match_opencv",
                      learner=("to_gray",),
                      hints=("Grey is a weighted mean of the three channels: the eye is most sensitive to "
                             "green and least to blue.",
                             "Y = 0.299 R + 0.587 G + 0.114 B for every pixel: an (H, W, 3) array times the "
                             "(3,) weight vector is one matrix product, giving (H, W).",
                             "Convert to float64 before multiplying (uint8 arithmetic overflows), and mind "
                             "the order: you are given RGB; OpenCV itself stores BGR.")),
            Milestone("M8: blur it (separable Gaussian = cv2.GaussianBlur) and take Sobel gradients",
                      T + "test_opencv_explorer.py::test_separable_gaussian_matches_opencv",
                      learner=("gaussian_kernel", "convolve_1d"),
                      hints=("A 2-D Gaussian is the outer product g g^T of a 1-D one, so blurring the rows "
                             "and then the columns equals one 2-D blur at a fraction of the cost.",
                             "g(k) = exp(-k^2 / (2 sigma^2)) for k = -r..r, divided by its sum. "
                             "out[i] = sum_k taps[k] image[i + k - r]: one shifted copy of the image per tap.",
                             "Pad by r on the chosen axis only, with np.pad(mode='reflect') (OpenCV's "
                             "BORDER_REFLECT_101), and accumulate in float64.")),
            Milestone("M8: Canny edges, draw shapes and text, detect faces with a Haar cascade",
                      T + "test_opencv_explorer.py::test_canny_and_faces",
                      learner=("detect_faces", "annotate"),
                      hints=("A Haar cascade slides a window over the image at many sizes and keeps the "
                             "windows that pass every stage of simple light-and-dark rectangle tests.",
                             "cv2.CascadeClassifier(path).detectMultiScale(gray, scaleFactor=..., "
                             "minNeighbors=..., minSize=(40, 40)) gives x, y, w, h rows; cv2.rectangle, "
                             "cv2.putText, cv2.circle, cv2.line and cv2.ellipse draw in place.",
                             "Draw on a copy, never on the input; OpenCV colours are (B, G, R), so green is "
                             "(0, 255, 0); no face gives an empty result: reshape it to (0, 4).")),
        ),
        datasets=("astronaut", "haarcascade-frontalface"),
        requires=("cv2",),
    ),
    Project(
        key="movie_recommender",
        title="Movie recommender (dot products, cosine similarity, matrix factorisation)",
        phase="phase1_linalg",
        script="phase1_linalg/movie_recommender.py",
        number=3,
        commands=("python phase1_linalg/movie_recommender.py",
                  'python phase1_linalg/movie_recommender.py --ratings "Star Wars=5, Titanic=2, Toy Story=4"',
                  'python phase1_linalg/movie_recommender.py --similar "Fargo"',
                  "python phase1_linalg/movie_recommender.py --evaluate"),
        tour=(TourStep(("phase1_linalg/movie_recommender.py", "--ratings",
                        "Star Wars=5, Titanic=2, Toy Story=4, Godfather=skip")),
              TourStep(("phase1_linalg/movie_recommender.py", "--evaluate", "--folds", "u1,u2", "--steps", "100"))),
        milestones=(
            Milestone("Implement the dot product by hand: multiply-and-sum (sparse dicts = NumPy)",
                      T + "test_movie_recommender.py::test_sparse_dot_is_multiply_and_sum",
                      learner=("sparse_dot",),
                      hints=("A dot product multiplies matching entries and adds them; an entry that is "
                             "missing is 0, so it adds nothing to the sum.",
                             "u . v = sum_i u_i v_i over the indices both dicts hold: walk one dict and look "
                             "each index up in the other with .get().",
                             "Walk the shorter dict (swap them if needed) so the cost is the smaller length; "
                             "two vectors with no index in common have dot product 0.0.")),
            Milestone("User-user similarity on MovieLens (dot products of centred rating vectors)",
                      T + "test_movie_recommender.py::test_user_user_similarity_on_movielens_matches_sklearn",
                      learner=("centre_rows",),
                      hints=("Some people rate everything 4 or 5, others everything 2 or 3: subtract each "
                             "user's own mean so a rating says liked or disliked, not how generous they are.",
                             "mean_u = (sum of the row's ratings) / (number of ratings it has), using the mask "
                             "M; centred = (R - mean_u) * M, a (n x d) matrix, and the means (n,).",
                             "Divide by the count of rated cells, not by d, and multiply by the mask so the "
                             "missing cells stay 0; a user with no ratings gets mean 0, not a division by 0.")),
            Milestone("Normalise to cosine similarity (length ignored; equals scikit-learn)",
                      T + "test_movie_recommender.py::test_cosine_matches_sklearn_random",
                      learner=("cosine_similarity_matrix",),
                      hints=("A raw dot product grows with the lengths of the vectors; dividing by both "
                             "lengths leaves only the angle: 1 same taste, 0 unrelated, -1 opposite.",
                             "S = X Y^T (n x m) divided entry by entry by |x_a| |y_b|: the outer product of "
                             "the two vectors of row norms.",
                             "The norm is the square root of the sum of squares; an all-zero row has no "
                             "direction, so give it similarity 0 instead of dividing by zero.")),
            Milestone("Sensible recommendations (a Star Wars fan gets the sequels) from the prompt",
                      T + "test_movie_recommender.py::test_cli_interactive_transcript",
                      learner=("taste_scores", "recommend"),
                      hints=("Your taste is a vector in the same space as the movies: add up the movies you "
                             "liked, subtract the ones you disliked, and look for movies pointing the same way.",
                             "p = sum_j (r_j - 3) v_j / |v_j| over your rated movies (columns of the centred "
                             "matrix), then score_i = cos(p, v_i) for every movie i.",
                             "Leave out the movies you rated and those with too few ratings (set their score "
                             "to -inf before sorting); try it: python -m learn run movie_recommender")),
        ),
        bench=("bench.bench_phase1:movie_recommender",),
        datasets=("movielens-100k",),
    ),
    Project(
        key="pca_visualizer",
        title="PCA visualizer (covariance, power iteration with deflation, projection)",
        phase="phase1_linalg",
        script="phase1_linalg/pca_visualizer.py",
        number=4,
        commands=("python phase1_linalg/pca_visualizer.py iris_dataset.csv",
                  "python phase1_linalg/pca_visualizer.py iris_dataset.csv --3d",
                  "python phase1_linalg/pca_visualizer.py mnist",
                  "python phase1_linalg/pca_visualizer.py customer_data.csv --label Channel"),
        tour=(TourStep(("phase1_linalg/pca_visualizer.py", "iris_dataset.csv", "--3d")),
              TourStep(("phase1_linalg/pca_visualizer.py", "mnist", "--samples", "3000"))),
        milestones=(
            Milestone("Compute the covariance matrix (equals numpy.cov / corrcoef)",
                      T + "test_pca_visualizer.py::test_covariance_matrix_matches_numpy",
                      learner=("standardise", "covariance_matrix"),
                      hints=("Centre each column first: subtract its mean, so every feature averages zero.",
                             "With Z the centred (n, d) data, C = Z^T Z / (n - 1): a (d, d) matrix, one matrix "
                             "product, no loops.",
                             "standardise: mean = x.mean(axis=0), std = x.std(axis=0, ddof=1) (use 1 where it is "
                             "0); z = (x - mean) / std when scale, else x - mean. Return z, mean, std.")),
            Milestone("Find the first eigenvector by power iteration (C v = lambda v, equals eigh)",
                      T + "test_pca_visualizer.py::test_power_iteration_finds_first_eigenvector",
                      learner=("power_iteration",),
                      hints=("Multiplying any vector by C again and again turns it towards the eigenvector of "
                             "the largest eigenvalue: the other directions shrink relative to it.",
                             "Start from a random unit vector v; repeat v = C v / |C v| until v stops changing "
                             "(up to sign); the eigenvalue is the Rayleigh quotient v^T C v.",
                             "Compare |v_new - v| and |v_new + v| with tol to allow a sign flip, and stop after "
                             "max_iter steps; return (eigenvalue, v, steps) as the docstring says.")),
            Milestone("Project the data onto the principal components (equals scikit-learn PCA)",
                      T + "test_pca_visualizer.py::test_projection_matches_sklearn_pca",
                      learner=("top_eigenpairs", "pca"),
                      hints=("After finding the first eigenpair, remove it from C (deflation) and run power "
                             "iteration again for the next one.",
                             "Deflation: C <- C - lambda v v^T. Stack the k eigenvectors as the columns of W (d, k).",
                             "The projection is Z W: the standardised data (n, d) times W (d, k) gives the "
                             "(n, k) coordinates; the explained variance ratio is lambda / trace(C).")),
            Milestone("Visualise a real dataset: MNIST digits in 2-D and their eigen-digits",
                      T + "test_pca_visualizer.py::test_cli_mnist_digits",
                      learner=("pca",),
                      hints=("Your pca() runs the whole script: python -m learn run pca_visualizer -- mnist",
                             "Each principal component of MNIST is a 784-vector: reshape it to 28 x 28 to see "
                             "an eigen-digit.",
                             "If the plot looks like noise, check that the data is standardised with the same "
                             "mean and std you return, and that the components are unit vectors.")),
        ),
        boss=(
            Milestone("Boss: PCA from scratch reduces iris to 2-D (eigenvalues = eigh to 1e-8; 72.96/22.85/3.67/0.52%)",
                      T + "test_pca_visualizer.py::test_iris_eigenvalues_match_eigh_and_variance_explained",
                      learner=("pca",),
                      hints=("Standardise iris first: its four features have different units, and PCA on the "
                             "correlation matrix weighs them equally.",
                             "The eigenvalues of a correlation matrix sum to the number of features (4 here): "
                             "variance explained = lambda_i / 4.",
                             "If your first eigenvalue is right but the others are not, check the deflation "
                             "step and re-orthogonalise each new vector against the earlier ones.")),
            Milestone("Boss: PCA from scratch on a dataset the script has never seen, then visualised",
                      T + "test_pca_visualizer.py::test_cli_unseen_dataset_with_target",
                      learner=("pca",),
                      hints=("Your pca() must not assume iris: any (n, d) array and any k <= d.",
                             "Constant columns have std 0: keep them (std 1) rather than dividing by zero.",
                             "Try it: python -m learn run pca_visualizer -- your.csv --target COLUMN")),
        ),
        bench=("bench.bench_phase1:pca_visualizer",),
        datasets=("iris", "mnist"),
    ),
]
