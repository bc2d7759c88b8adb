"""The capstone pipeline, one module per step (imported by ml_pipeline.py and the notebook).

    load       read a CSV or registry name, check the target column        -> DataFrame
    eda        missing values, IQR outliers, correlation heatmap, histograms
    features   engineered ratios, median imputation, one-hot, standardisation (fit on train only)
    cv         fixed train / calibration / test split, K-fold cross-validation from scratch
    models     linear, ridge, tree, neural network (phase 4) + gradient boosting on the phase-4 tree
    conformal  split-conformal prediction intervals
    bundle     save / load model.npz + model.json (never pickle)
    api        the Flask app (POST /predict, GET /health, /model, /openapi.json), served by waitress
    openapi    the OpenAPI 3 document of the API
    plots      result figures: CV comparison, predictions with the interval, boosting curve
"""
