#pragma once
// Dropout: inverted dropout, active only while training.

#include "neuro/core/error.hpp"
#include "neuro/layers/layer.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

namespace neuro {

/// Represents: while training, zeroes each input with probability `rate` and scales the
/// survivors by 1 / (1 - rate), so inference needs no rescaling; in inference, identity.
/// Requires: 0 <= rate < 1 (checked). The mask is drawn from the random stream fit seeds
/// from FitOptions::seed, so a seeded fit is reproducible.
template <Scalar T>
class Dropout final : public Layer<T> {
public:
    explicit Dropout(double rate) : rate_(rate) {
        if (!(rate >= 0.0 && rate < 1.0)) fail("Dropout: rate must be in [0, 1), got {}", rate);
    }

    std::string type_name() const override { return "Dropout"; }
    double rate() const { return rate_; }
    LayerSettings settings() const override { return {{"rate", fmt::format("{}", rate_)}}; }
    std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Dropout>(*this); }

    void forward(ConstMatrixView<T> input, MatrixView<T> output) const override { output = input; }

    void forward_training(ConstMatrixView<T> input, MatrixView<T> output, Random& random) override {
        if (mask_storage_.size() < input.size()) mask_storage_.resize(input.size());
        MatrixView<T> mask(mask_storage_.data(), input.rows(), input.cols());
        const T keep_scale = T(1.0 / (1.0 - rate_));
        for (Index i = 0; i < mask.size(); ++i)
            mask.data()[i] = random.uniform() >= rate_ ? keep_scale : T(0);
        output = input.cwiseProduct(mask);
    }

    void backward(ConstMatrixView<T> input, ConstMatrixView<T>, ConstMatrixView<T> output_gradient,
                  MatrixView<T> input_gradient) override {
        ConstMatrixView<T> mask(mask_storage_.data(), input.rows(), input.cols());
        input_gradient = output_gradient.cwiseProduct(mask);
    }

private:
    double rate_;
    Vector<T> mask_storage_;  // the last training batch's mask (in x batch), grown, never shrunk
};

}  // namespace neuro
