namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Rendezvous (highest random weight) hashing: every silo computes the same ranking of a group's
/// silos for a table from names alone, so tables spread evenly without anyone coordinating.
/// </summary>
public static class Rendezvous
{
    /// <summary>The weight of <paramref name="silo"/> for <paramref name="table"/>; the highest weight ranks first.</summary>
    public static ulong Weight(string silo, string table)
    {
        // FNV-1a over "silo\0table", then the SplitMix64 finalizer to spread the bits.
        var h = 14695981039346656037UL;
        foreach (var c in silo) h = (h ^ c) * 1099511628211UL;
        h = (h ^ 0) * 1099511628211UL;
        foreach (var c in table) h = (h ^ c) * 1099511628211UL;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }

    /// <summary>True when <paramref name="silo"/> ranks first for <paramref name="table"/> among <paramref name="silos"/>.</summary>
    public static bool RanksFirst(string silo, string table, IEnumerable<string> silos)
    {
        var mine = Weight(silo, table);
        foreach (var other in silos)
            if (other != silo && Outranks(other, silo, table, mine)) return false;
        return true;
    }

    /// <summary>True when <paramref name="a"/> ranks above <paramref name="b"/> for <paramref name="table"/>.</summary>
    public static bool Outranks(string a, string b, string table) => Outranks(a, b, table, Weight(b, table));

    private static bool Outranks(string a, string b, string table, ulong weightB)
    {
        var wa = Weight(a, table);
        return wa > weightB || (wa == weightB && string.CompareOrdinal(a, b) > 0);
    }
}
