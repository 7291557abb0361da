"""Data: bundled and generated datasets, CSV/NPZ files, splitting, standardising, minibatches."""

from deepgrad.data.dataloader import DataLoader, default_collate
from deepgrad.data.dataset import Dataset, Subset, TensorDataset, random_split
from deepgrad.data.datasets import DATASETS, load_dataset
from deepgrad.data.loaders import load_csv, load_npz, save_csv
from deepgrad.data.shaped import load_mnist1d
from deepgrad.data.split import train_test_split
from deepgrad.data.standardize import standardize

__all__ = ["DATASETS", "DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate",
           "random_split", "load_csv", "load_dataset", "load_mnist1d", "load_npz", "save_csv",
           "standardize", "train_test_split"]
