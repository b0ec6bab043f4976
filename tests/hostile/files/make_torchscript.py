"""Writes one hostile or invalid TorchScript input for cases.txt.

usage: make_torchscript.py KIND OUT
"""
import sys
import zipfile

import torch


class Add(torch.nn.Module):
    def forward(self, x):
        return x + 1


class DataIf(torch.nn.Module):
    def forward(self, x):
        if bool(x.sum() > 0):
            return x * 2
        return x


class Nonzero(torch.nn.Module):
    def forward(self, x):
        return torch.nonzero(x), torch.argsort(torch.relu(x))


class Scale(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.rand(2, 3))

    def forward(self, x):
        return x * self.weight


class IntArg(torch.nn.Module):
    def forward(self, x, n: int):
        return x * n


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "state_dict":
        torch.save(torch.nn.Linear(4, 4).state_dict(), out)
    elif kind == "legacy_pickle":
        torch.save(torch.nn.Linear(4, 4).state_dict(), out, _use_new_zipfile_serialization=False)
    elif kind == "add":
        torch.jit.save(torch.jit.script(Add()), out)
    elif kind == "truncated":
        torch.jit.save(torch.jit.script(Add()), out)
        data = open(out, "rb").read()
        open(out, "wb").write(data[: len(data) // 2])
    elif kind == "bad_code":
        # A zip with TorchScript's layout whose code does not parse.
        torch.jit.save(torch.jit.script(Add()), out + ".src")
        with zipfile.ZipFile(out + ".src") as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.endswith(".py"):
                    data = b"def forward(self, x):\n  return x +* (\n"
                dst.writestr(item, data)
    elif kind == "pickle_bomb":
        # A pickle that declares a 4 GiB string in a 10-byte record (libtorch
        # would allocate and zero 4 GiB before noticing; found by fuzzing).
        with zipfile.ZipFile(out, "w") as dst:
            dst.writestr("archive/data.pkl", b"\x80\x02X\xff\xff\xff\xffabc.")
            dst.writestr("archive/constants.pkl", b"\x80\x02).")
            dst.writestr("archive/version", b"3\n")
    elif kind == "view_past_storage":
        # The 2x3 weight's strides (3, 1) become (7, 1): the tensor then reads
        # elements up to 10 of its 6-element storage (libtorch 1.13 does not
        # check; found by fuzzing).
        torch.jit.save(torch.jit.script(Scale()), out + ".src")
        patched = 0
        with zipfile.ZipFile(out + ".src") as src, zipfile.ZipFile(out, "w") as dst:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename.endswith("data.pkl") and b"(K\x02K\x03t" in data:
                    data = data.replace(b"(K\x03K\x01t", b"(K\x07K\x01t", 1)
                    patched += 1
                dst.writestr(item, data)
        if patched != 1:
            sys.exit("view_past_storage: the weight's strides were not found in data.pkl")
    elif kind == "data_if":
        torch.jit.save(torch.jit.script(DataIf()), out)
    elif kind == "nonzero":
        torch.jit.save(torch.jit.script(Nonzero()), out)
    elif kind == "int_arg":
        torch.jit.save(torch.jit.script(IntArg()), out)
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
