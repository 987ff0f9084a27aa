from Crypto.Cipher import ARC4


def obscure(key, blob):
    return ARC4.new(key).encrypt(blob)
