#include "quantize/input_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

// A .npy file's float32 data: checks the header says little-endian float32 in C order.
std::string npy_data(const std::string& path, const std::string& bytes, Shape& dims) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw Error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  const size_t len_bytes = major == 1 ? 2 : 4;
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  const size_t start = 8 + len_bytes;
  if (bytes.size() < start + header_len) throw Error(path + ": truncated .npy header");
  std::string header = bytes.substr(start, header_len);
  header.erase(header.find_last_not_of(" \n") + 1);  // the padding
  if (header.find("'descr': '<f4'") == std::string::npos)
    throw Error(path + ": the array must be float32 little-endian ('<f4'); header: " + header);
  if (header.find("'fortran_order': False") == std::string::npos) throw Error(path + ": the array must be in C order");
  const size_t open = header.find("'shape': (");
  const size_t close = open == std::string::npos ? open : header.find(')', open);
  if (close == std::string::npos) throw Error(path + ": no shape in the .npy header");
  std::stringstream ss(header.substr(open + 10, close - open - 10));
  for (std::string d; std::getline(ss, d, ',');)
    if (d.find_first_not_of(' ') != std::string::npos) dims.push_back(std::stoll(d));
  return bytes.substr(start + header_len);
}

}  // namespace

std::vector<Tensor> read_array_file(const std::string& path, const Shape& shape) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  Shape dims;
  const std::string data = std::filesystem::path(path).extension() == ".npy" ? npy_data(path, bytes, dims) : bytes;
  const int64_t per_set = shape_elems(shape);
  const auto set_bytes = static_cast<size_t>(per_set) * 4;
  if (per_set <= 0 || data.empty() || data.size() % set_bytes != 0)
    throw Error(path + ": " + std::to_string(data.size()) + " bytes of float32 is not a whole number of inputs of shape " + shape_str(shape));
  if (!dims.empty()) {
    Shape inner(dims.begin() + 1, dims.end());
    Shape unbatched(shape.size() > 1 && shape[0] == 1 ? shape.begin() + 1 : shape.begin(), shape.end());
    if (dims != shape && inner != shape && inner != unbatched)
      throw Error(path + ": an array of shape " + shape_str(dims) + " is neither the input's shape " + shape_str(shape) +
                  " nor N of them");
  }
  std::vector<Tensor> sets;
  for (size_t at = 0; at < data.size(); at += set_bytes) {
    Tensor t(DType::F32, shape);
    std::copy_n(data.data() + at, set_bytes, reinterpret_cast<char*>(t.bytes.data()));
    sets.push_back(std::move(t));
  }
  return sets;
}

}  // namespace onnx2mcu
