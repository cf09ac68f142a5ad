{
  "targets": [
    {
      "target_name": "sakimori_native",
      "sources": ["src/addon.c", "src/sha256.c", "src/udp_receiver.c", "src/cidr_lookup.c"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "libraries": ["-lpthread"]
    }
  ]
}
