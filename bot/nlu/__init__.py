"""The model: spaCy set-up, training, evaluation, retraining, the model registry, the retraining
inbox, real-question measures."""
