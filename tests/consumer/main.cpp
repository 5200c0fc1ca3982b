// Minimal downstream program used by the consumer_project test: it only has to
// compile against neuro, train briefly and produce finite predictions.
#include <neuro/neuro.hpp>

#include <iostream>

int main() {
  neuro::Sequential<float> model;
  model.add(neuro::Dense<float>(3, 4));
  model.add(neuro::ReLU<float>());
  model.add(neuro::Dense<float>(4, 1));
  model.add(neuro::Sigmoid<float>());
  model.compile(neuro::Adam<float>(1e-2f), neuro::BinaryCrossEntropy<float>());

  neuro::FitOptions opt;
  opt.epochs = 2;
  opt.batch_size = 4;
  opt.verbose = 0;

  Eigen::MatrixXf X = Eigen::MatrixXf::Random(16, 3);
  Eigen::MatrixXf y = (X.col(0).array() > 0).cast<float>().matrix();

  neuro::History h = model.fit(X, y, opt);
  static_cast<void>(h);
  Eigen::MatrixXf p = model.predict(X);

  std::cout << "predictions: " << p.rows() << " x " << p.cols() << '\n';
  return p.allFinite() ? 0 : 1;
}
