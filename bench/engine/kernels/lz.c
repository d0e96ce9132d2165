/* A small LZ77 compressor (hash chains, greedy matching) and its decompressor, round-tripped over
 * generated text made of words from a fixed vocabulary. Format: a token byte per item, either a
 * literal run (high bit clear: 1..128 literals follow) or a match (high bit set: length 4..131,
 * then a 16-bit little-endian distance). */
#include "kernel.h"

#define INPUT_BYTES SIZE(16384, 2u << 20)
#define WINDOW (1u << 15)
#define HASH_BITS 14
#define MAX_CHAIN 16
#define MIN_MATCH 4
#define MAX_MATCH 131

static u8 input[INPUT_BYTES];
static u8 compressed[INPUT_BYTES + INPUT_BYTES / 64 + 16];
static u8 output[INPUT_BYTES];
static i32 head[1u << HASH_BITS];
static i32 previous[INPUT_BYTES];

static const char* const vocabulary[] = {
    "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "wasm ", "module ",
    "kernel ", "capability ", "handle ", "region ", "of ", "and ", "a ", "to ", "in ", "is ",
    "interpreter ", "validation ", "memory ", "table ", "function ", "export ", "import ", ". ", ", ", "\n",
};

static void generate_input(void)
{
    u32 state = 1013904223u;
    u32 position = 0;
    const u32 word_count = sizeof(vocabulary) / sizeof(vocabulary[0]);
    while (position < INPUT_BYTES) {
        u32 random = next_random(&state);
        const char* word = vocabulary[random % word_count];
        // Occasional noise keeps the data from being trivially repetitive.
        if ((random >> 8) % 16 == 0 && position < INPUT_BYTES)
            input[position++] = (u8)('A' + (random >> 16) % 26);
        for (; *word && position < INPUT_BYTES; ++word)
            input[position++] = (u8)*word;
    }
}

static inline u32 hash4(const u8* bytes)
{
    u32 word = (u32)bytes[0] | (u32)bytes[1] << 8 | (u32)bytes[2] << 16 | (u32)bytes[3] << 24;
    return (word * 2654435761u) >> (32 - HASH_BITS);
}

static u32 flush_literals(u32 out, u32 start, u32 end)
{
    while (start < end) {
        u32 run = end - start > 128 ? 128 : end - start;
        compressed[out++] = (u8)(run - 1);
        for (u32 i = 0; i < run; ++i)
            compressed[out++] = input[start + i];
        start += run;
    }
    return out;
}

static u32 compress(void)
{
    for (u32 i = 0; i < (1u << HASH_BITS); ++i)
        head[i] = -1;
    u32 out = 0, literal_start = 0, position = 0;
    while (position + MIN_MATCH <= INPUT_BYTES) {
        u32 hash = hash4(input + position);
        u32 best_length = 0, best_distance = 0;
        i32 candidate = head[hash];
        for (int chain = 0; chain < MAX_CHAIN && candidate >= 0; ++chain) {
            u32 distance = position - (u32)candidate;
            if (distance > WINDOW - 1)
                break;
            u32 limit = INPUT_BYTES - position < MAX_MATCH ? INPUT_BYTES - position : MAX_MATCH;
            u32 length = 0;
            while (length < limit && input[candidate + length] == input[position + length])
                ++length;
            if (length > best_length) {
                best_length = length;
                best_distance = distance;
            }
            candidate = previous[candidate];
        }
        previous[position] = head[hash];
        head[hash] = (i32)position;
        if (best_length >= MIN_MATCH) {
            out = flush_literals(out, literal_start, position);
            compressed[out++] = (u8)(0x80 | (best_length - MIN_MATCH));
            compressed[out++] = (u8)best_distance;
            compressed[out++] = (u8)(best_distance >> 8);
            // Index the skipped positions too, so later matches can find them.
            for (u32 i = 1; i < best_length && position + i + MIN_MATCH <= INPUT_BYTES; ++i) {
                u32 skipped_hash = hash4(input + position + i);
                previous[position + i] = head[skipped_hash];
                head[skipped_hash] = (i32)(position + i);
            }
            position += best_length;
            literal_start = position;
        } else {
            ++position;
        }
    }
    return flush_literals(out, literal_start, INPUT_BYTES);
}

/* Returns the decompressed size, or 0 when the stream is inconsistent. */
static u32 decompress(u32 compressed_size)
{
    u32 in = 0, out = 0;
    while (in < compressed_size) {
        u8 token = compressed[in++];
        if (token & 0x80) {
            u32 length = (token & 0x7F) + MIN_MATCH;
            u32 distance = (u32)compressed[in] | (u32)compressed[in + 1] << 8;
            in += 2;
            if (distance == 0 || distance > out || out + length > INPUT_BYTES)
                return 0;
            for (u32 i = 0; i < length; ++i, ++out)
                output[out] = output[out - distance];
        } else {
            u32 run = (u32)token + 1;
            if (out + run > INPUT_BYTES)
                return 0;
            for (u32 i = 0; i < run; ++i)
                output[out++] = compressed[in++];
        }
    }
    return out;
}

KERNEL_EXPORT u32 run(void)
{
    generate_input();
    u32 compressed_size = compress();
    u32 checksum = mix(2166136261u, compressed_size);
    for (u32 i = 0; i < compressed_size; i += 7)
        checksum = mix(checksum, compressed[i]);
    u32 decompressed_size = decompress(compressed_size);
    u32 mismatches = decompressed_size == INPUT_BYTES ? 0 : 1;
    for (u32 i = 0; i < INPUT_BYTES; ++i)
        mismatches += output[i] != input[i];
    return mix(checksum, mismatches);
}
