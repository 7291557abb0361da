import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

# PyTorch's Quickstart in miniature: a Dataset, DataLoaders, a Module, train and test loops,
# save and load. The data is computed, not downloaded; initial_state (the same numbers for both
# libraries) is given from outside, as the data is.


class Waves(Dataset):
    def __init__(self, n, offset):
        t = torch.arange(offset, offset + n * 16, dtype=torch.float32)
        self.x = torch.sin(t * 0.37).reshape(n, 4, 4)
        self.y = (self.x.sum(dim=(1, 2)) > 0).long() + (self.x[:, 0, 0] > 0.5).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


training_data = Waves(192, 0)
test_data = Waves(64, 5000)
batch_size = 32
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
device = "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(16, 32),
            nn.ReLU(),
            nn.Linear(32, 32),
            nn.ReLU(),
            nn.Linear(32, 3),
        )

    def forward(self, x):
        x = x.flatten(1)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
model.load_state_dict(initial_state)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    losses = []
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / num_batches, correct / size


history = []
for t in range(3):
    history.append(train(train_dataloader, model, loss_fn, optimizer))
test_loss, accuracy = test(test_dataloader, model, loss_fn)

torch.save(model.state_dict(), weights_path)
model = NeuralNetwork().to(device)
model.load_state_dict(torch.load(weights_path, weights_only=True))
model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    pred = model(x.unsqueeze(0))
results = {"history": history, "test_loss": test_loss, "accuracy": accuracy,
           "logits": pred[0].tolist(), "predicted": pred[0].argmax(0).item(), "actual": y.item()}
