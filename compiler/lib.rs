//! mlspec: compile an ML-application spec into Kubernetes objects.
