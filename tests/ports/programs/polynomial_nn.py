import torch
import math

# A cubic fit of exp(x / 3) as a Linear layer over (x, x^2, x^3), trained with nn.MSELoss and
# RMSprop (PyTorch's "nn" and "optim" examples; weights start at zero so both runs agree).
torch.set_default_dtype(torch.float64)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.exp(x / 3)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(torch.nn.Linear(3, 1))
torch.nn.init.zeros_(model[0].weight)
torch.nn.init.zeros_(model[0].bias)
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)

losses = []
for t in range(200):
    y_pred = model(xx).squeeze(-1)
    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
results = {"losses": losses, "bias": linear_layer.bias.item(),
           "weights": [linear_layer.weight[:, i].item() for i in range(3)],
           "keys": list(model.state_dict().keys())}
torch.set_default_dtype(torch.float32)
