#pragma once
// TerminateOnNaN: end training quietly when the loss stops being finite.

#include "neuro/callbacks/callback.hpp"

namespace neuro {

/// Represents: Keras' TerminateOnNaN. Without it, a NaN or infinite loss (or gradient) makes
/// fit throw neuro::Error naming the epoch and batch; with it, fit returns the History of the
/// completed epochs. Either way the model keeps the weights of the last finite step. (An
/// update that itself overflows, from finite loss and gradient, is always an error: the
/// weights before it are not kept, since that would cost a copy of them every step.)
template <Scalar T>
class TerminateOnNaN final : public Callback<T> {
public:
    bool stops_on_non_finite_loss() const override { return true; }
};

}  // namespace neuro
