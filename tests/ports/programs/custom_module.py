import torch
import math

# A custom Module (PyTorch's Polynomial3 example) trained with SGD, saved as a state_dict and
# loaded into a fresh instance.


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
        self.d = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f"y = {self.a.item():.6f} + {self.b.item():.6f} x + {self.c.item():.6f} x^2"


x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
y = torch.exp(x / 3)
model = Polynomial3()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
losses = []
for t in range(200):
    loss = criterion(model(x), y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

torch.save(model.state_dict(), weights_path)
restored = Polynomial3()
restored.load_state_dict(torch.load(weights_path, weights_only=True))
results = {"losses": losses, "string": model.string(), "restored": restored.string(),
           "names": [name for name, _ in model.named_parameters()]}
