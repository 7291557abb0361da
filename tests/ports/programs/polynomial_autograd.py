import torch
import math

# Fit y = sin(x) by a cubic a + b x + c x^2 + d x^3 with autograd (PyTorch's "Tensors and
# autograd" example, deterministic: the coefficients start at zero).
dtype = torch.float64
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

a = torch.zeros((), dtype=dtype, requires_grad=True)
b = torch.zeros((), dtype=dtype, requires_grad=True)
c = torch.zeros((), dtype=dtype, requires_grad=True)
d = torch.zeros((), dtype=dtype, requires_grad=True)

learning_rate = 1e-6
losses = []
for t in range(200):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p.data -= learning_rate * p.grad.data
            p.grad = None

results = {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()]}
