"""YAML 1.2 loading with positions."""

from catalint.yaml.loader import LoadedFile, YamlDocument, YamlProblem, load_text

__all__ = ["LoadedFile", "YamlDocument", "YamlProblem", "load_text"]
