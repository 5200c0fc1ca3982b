#pragma once
// CSVLogger: one CSV row per epoch, appended as training goes.

#include "neuro/callbacks/callback.hpp"
#include "neuro/core/error.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace neuro {

/// Represents: Keras' CSVLogger. The header is "epoch" then the log names in sorted order;
/// each epoch appends one row (epoch numbered from 0, values in shortest round-trip form) and
/// flushes it, so an interrupted run leaves every finished epoch on disk. With append, rows
/// go after an existing file's, whose header must then match (a resumed fit); without it
/// the file is replaced when training begins.
/// Errors: a file that cannot be opened or written, or an existing header that differs, is a
/// neuro::Error naming the path.
template <Scalar T>
class CSVLogger final : public Callback<T> {
public:
    explicit CSVLogger(std::filesystem::path path, bool append = false, char separator = ',')
        : path_(std::move(path)), append_(append), separator_(separator) {}

    void on_train_begin(Sequential<T>&, const TrainingPlan&) override {
        existing_header_.clear();
        if (append_) {
            std::ifstream existing(path_);
            std::getline(existing, existing_header_);
        }
        file_.close();
        file_.clear();
        file_.open(path_, append_ ? std::ios::app : std::ios::trunc);
        if (!file_) fail("CSVLogger: cannot open {} for writing", path_.string());
    }

    void on_epoch_end(Sequential<T>&, int epoch, const Logs& logs) override {
        const std::string header = header_for(logs);
        if (existing_header_.empty()) {
            write(header);
            existing_header_ = header;
        } else if (existing_header_ != header) {
            fail("CSVLogger: {} has the columns \"{}\" but this fit logs \"{}\"; use another file or append = false",
                 path_.string(), existing_header_, header);
        }
        std::string row = fmt::format("{}", epoch);
        for (const auto& entry : logs) row += fmt::format("{}{}", separator_, entry.second);
        write(row);
    }

    void on_train_end(Sequential<T>&, const Logs&) override { file_.close(); }

private:
    std::string header_for(const Logs& logs) const {
        std::string header = "epoch";
        for (const auto& entry : logs) header += separator_ + entry.first;
        return header;
    }

    void write(const std::string& line) {
        file_ << line << '\n' << std::flush;
        if (!file_) fail("CSVLogger: writing to {} failed", path_.string());
    }

    std::filesystem::path path_;
    bool append_;
    char separator_;
    std::ofstream file_;
    std::string existing_header_;  // the header of the file being appended to, once known
};

}  // namespace neuro
