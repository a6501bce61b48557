namespace Seeder;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small generator whose output is fixed by its algorithm, so
/// the same seed gives the same transactions on every machine and every .NET version
/// (<see cref="Random"/>'s sequence is not a documented contract).
/// </summary>
internal struct SeedRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>A generator for one item: independent streams per (seed, index), so items can be made in any order.</summary>
    public SeedRandom(long seed, long index)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>
    /// Skewed towards <paramref name="min"/> with a long tail up to <paramref name="max"/> (u³): the shape of
    /// card amounts. Only multiplication, so the result is the same on every CPU (no libm).
    /// </summary>
    public long NextSkewed(long min, long max)
    {
        var u = NextDouble();
        return min + (long)((max - min) * (u * u * u));
    }

    /// <summary>Picks an index with probability proportional to its weight.</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var r = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            r -= weights[i];
            if (r < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
