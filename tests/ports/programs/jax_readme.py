import jax.numpy as jnp
from jax import grad, value_and_grad, vmap

# JAX's README: a tanh MLP over a pytree of (W, b) pairs, its gradient, value_and_grad with an
# auxiliary output, and per-example gradients with vmap. params, inputs and targets are given
# from outside (data sources).


def predict(params, inputs):
    for W, b in params:
        outputs = jnp.dot(inputs, W) + b
        inputs = jnp.tanh(outputs)
    return outputs


def loss(params, inputs, targets):
    preds = predict(params, inputs)
    return jnp.sum((preds - targets) ** 2)


def loss_with_aux(params, inputs, targets):
    preds = predict(params, inputs)
    return jnp.sum((preds - targets) ** 2), preds


grad_loss = grad(loss)
gradients = grad_loss(params, inputs, targets)
(value, preds), aux_gradients = value_and_grad(loss_with_aux, has_aux=True)(params, inputs,
                                                                           targets)
perex_grads = vmap(grad_loss, in_axes=(None, 0, 0))(params, inputs, targets)
first_derivative = grad(jnp.tanh)(0.5)
second_derivative = grad(grad(jnp.tanh))(0.5)
results = {"gradients": gradients, "value": value, "preds": preds, "aux": aux_gradients,
           "perex": perex_grads, "d1": first_derivative, "d2": second_derivative}
