using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoLake.Core.Changes;
using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>
/// A workload for any contract (a partition key, and a sort key if the table has one): every declared column gets values of its type —
/// strings from escapes to emoji (or the declared <c>values</c>), numbers at the edges of their precision,
/// each time unit, dates, binaries, nested structs, lists and sets — optional columns sometimes absent or
/// NULL, TTL on some items. An update changes some mutable columns and never an immutable one, so a row
/// never leaves its partition.
/// </summary>
internal sealed class ContractWorkload : IWorkload
{
    private static readonly string[] s_pieces =
    [
        "a", "b", "z", "K", "Q", "0", "7", " ", "-", "_", ".", ":", "/", "#", "é", "ß", "中", "文", "😀", "\"", "\\", "\n", "\t", "'", "<", "&",
    ];

    private readonly TableContract _contract;
    private readonly IReadOnlyList<Column> _key;
    private readonly Column? _ttl;
    private readonly List<Column> _columns;
    private readonly List<Column> _mutable;
    private readonly long _windowStart;
    private readonly long _windowEnd;
    private readonly long _expiryClock;
    private readonly EntityRule? _entity;
    private readonly int _entityKeyPart;

    /// <exception cref="SeedException">A contract this workload cannot write, with the reason.</exception>
    public ContractWorkload(TableContract contract, WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(options);
        _contract = contract;
        Options = options;
        if (contract.UniqueKey.Count > 2)
        {
            throw new SeedException($"{contract.SourceName} is keyed by {string.Join(" + ", contract.UniqueKey.Select(c => c.Name))}: a DynamoDB table has a partition key and at most a sort key.");
        }

        _key = contract.UniqueKey;
        // The table's key types as the template and seed --create-table make them; of those, the workload writes
        // strings, and numbers of at least 10 whole digits (integers, or decimals that hold them).
        Key = [.. _key.Select(c => (c.Source, c.DynamoDbKeyType switch
        {
            "S" when c.Type.Kind == ColumnKind.String => "S",
            "N" when c.Type.Kind is ColumnKind.Int or ColumnKind.Long || (c.Type.Kind == ColumnKind.Decimal && c.Type.Precision - c.Type.Scale >= 10) => "N",
            _ => throw new SeedException($"{contract.SourceName}: the key column '{c.Name}' is {c.Type}; the workload writes string keys, and number keys of at least 10 whole digits."),
        }))];
        _ttl = contract.TimeToLive;

        // Single-table design: every item is the contract's entity — its key begins with the prefix, or the
        // attribute holds the value (and is never changed by an update).
        _entity = contract.Entity;
        _entityKeyPart = _entity is null ? -1 : Key.ToList().FindIndex(k => k.Attribute == _entity.Attribute);
        if (_entity is not null && _entityKeyPart >= 0 && (_entity.Prefix is null || Key[_entityKeyPart].Type != "S"))
        {
            throw new SeedException($"{contract.SourceName}: its entity is told by the key attribute '{_entity.Attribute}'; the workload writes such entities by a prefix of a string key.");
        }

        _columns = [.. contract.Columns.Columns.Where(c => c.Derived == DerivedField.None && !_key.Contains(c) && c != _ttl && c.Source != _entity?.Attribute)];
        _mutable = [.. _columns.Where(c => !c.Immutable)];
        _windowStart = options.From.ToUnixTimeMilliseconds() * 1000;
        _windowEnd = (options.From + options.Window).ToUnixTimeMilliseconds() * 1000;
        _expiryClock = (options.From + options.Window + options.TtlAfter).ToUnixTimeSeconds();
    }

    public WorkloadOptions Options { get; }

    public IReadOnlyList<(string Attribute, string Type)> Key { get; }

    public (bool Update, bool Delete, bool Ttl) Plan(int index)
    {
        var random = new SeedRandom(Options.Seed, index);
        return Decide(ref random);
    }

    public WorkloadItem Create(int index)
    {
        var random = new SeedRandom(Options.Seed, index);
        var (update, delete, ttl) = Decide(ref random);

        // One key attribute: a value per item. A partition key and a sort key: up to four items per partition key.
        var parts = Key.Count == 1
            ? [Key[0].Type == "S" ? string.Create(CultureInfo.InvariantCulture, $"{_contract.Table}#{index:D9}") : (index + 1).ToString(CultureInfo.InvariantCulture)]
            : new[]
            {
                Key[0].Type == "S" ? string.Create(CultureInfo.InvariantCulture, $"{_contract.Table}#{index / 4:D8}") : ((index / 4) + 1).ToString(CultureInfo.InvariantCulture),
                Key[1].Type == "S" ? string.Create(CultureInfo.InvariantCulture, $"item#{index % 4}") : (index % 4).ToString(CultureInfo.InvariantCulture),
            };
        if (_entityKeyPart >= 0)
        {
            parts[_entityKeyPart] = _entity!.Prefix + parts[_entityKeyPart];
        }

        var key = string.Join(ItemKey.Separator, parts);
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        if (_entity is not null && _entityKeyPart < 0)
        {
            var text = _entity.Value ?? _entity.Prefix + index.ToString(CultureInfo.InvariantCulture);
            var number = _contract.Columns.Columns.FirstOrDefault(c => c.Source == _entity.Attribute)?.Type.Kind is ColumnKind.Int or ColumnKind.Long or ColumnKind.Decimal;
            item[_entity.Attribute] = number ? new AttributeValue { N = text } : new AttributeValue { S = text };
        }
        for (var i = 0; i < Key.Count; i++)
        {
            item[Key[i].Attribute] = Key[i].Type == "S" ? new AttributeValue { S = parts[i] } : new AttributeValue { N = parts[i] };
        }

        foreach (var column in _columns)
        {
            if (Optional(column, ref random) is { } value)
            {
                item[column.Source] = value;
            }
        }

        long? expiresAt = null;
        if (ttl)
        {
            // Half of them expire by the run's end (at or before the expiry clock), half later.
            var windowEnd = _windowEnd / 1_000_000;
            expiresAt = random.Chance(0.5) ? windowEnd + random.Next((int)Math.Max(1, _expiryClock - windowEnd)) : _expiryClock + 86_400 + random.Next(86_400);
            item[_ttl!.Source] = new AttributeValue { N = expiresAt.Value.ToString(CultureInfo.InvariantCulture) };
        }

        return new WorkloadItem(index, key, item, Update: null, delete, expiresAt) { Modified = update };
    }

    public Dictionary<string, AttributeValue> Updated(WorkloadItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!item.Modified)
        {
            return item.Item;
        }

        // Another stream of the same item: the update changes about half the mutable columns, at least one.
        var random = new SeedRandom(Options.Seed ^ 0x5DEECE66DL, item.Index);
        var updated = new Dictionary<string, AttributeValue>(item.Item, StringComparer.Ordinal);
        var mutable = _mutable;
        var changed = false;
        for (var i = 0; i < mutable.Count; i++)
        {
            if (random.Chance(0.5) || (!changed && i == mutable.Count - 1))
            {
                changed = true;
                if (Optional(mutable[i], ref random) is { } value)
                {
                    updated[mutable[i].Source] = value;
                }
                else
                {
                    updated.Remove(mutable[i].Source);
                }
            }
        }

        return updated;
    }

    // The workload's decisions for an item, drawn first so that a fraction changes only what it governs
    // (the same draws as Plan, which makes no item).
    private (bool Update, bool Delete, bool Ttl) Decide(ref SeedRandom random) =>
        (random.Chance(Options.UpdateFraction), random.Chance(Options.DeleteFraction), random.Chance(Options.TtlFraction) && _ttl is not null);

    // A column's value, or null (absent) for some of an optional column's items; NULL for some others.
    private AttributeValue? Optional(Column column, ref SeedRandom random)
    {
        if (!column.Required)
        {
            var roll = random.NextDouble();
            if (roll < 0.15)
            {
                return null;
            }

            if (roll < 0.2)
            {
                return new AttributeValue { NULL = true };
            }
        }

        return Value(column, column.Type, ref random, depth: 0);
    }

    private AttributeValue Value(Column column, ColumnType type, ref SeedRandom random, int depth)
    {
        switch (type.Kind)
        {
            case ColumnKind.String:
                return new AttributeValue { S = Text(column, ref random) };
            case ColumnKind.Int:
                return Number(random.Chance(0.1) ? (random.Chance(0.5) ? int.MinValue : int.MaxValue) : random.Next(2_000_001) - 1_000_000);
            case ColumnKind.Long:
                return Number(random.Chance(0.1) ? (random.Chance(0.5) ? long.MinValue : long.MaxValue) : (long)random.NextUInt64());
            case ColumnKind.Decimal:
                return new AttributeValue { N = DecimalText(type.Precision, type.Scale, ref random) };
            case ColumnKind.Float:
                return new AttributeValue { N = ((random.Next(8_000_001) - 4_000_000) / 4.0).ToString("R", CultureInfo.InvariantCulture) };
            case ColumnKind.Double:
                return new AttributeValue { N = (((long)(random.NextUInt64() >> 24) - (1L << 39)) / 1024.0).ToString("R", CultureInfo.InvariantCulture) };
            case ColumnKind.Boolean:
                return new AttributeValue { BOOL = random.Chance(0.5) };
            case ColumnKind.Date:
                return new AttributeValue { S = DateOnly.FromDateTime(Options.From.UtcDateTime).AddDays(random.Next(7301) - 3650).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
            case ColumnKind.Timestamp or ColumnKind.TimestampTz:
                var micros = _windowStart + (long)(random.NextDouble() * (_windowEnd - _windowStart));
                return column.SourceUnit switch
                {
                    SourceTimeUnit.Seconds => Number(micros / 1_000_000),
                    SourceTimeUnit.Milliseconds => Number(micros / 1_000),
                    SourceTimeUnit.Iso8601 => new AttributeValue { S = DateTimeOffset.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture) },
                    _ => Number(micros),
                };
            case ColumnKind.Binary:
                return new AttributeValue { B = new MemoryStream(Bytes(ref random)) };
            case ColumnKind.Struct:
                var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                foreach (var field in type.Fields!.Columns)
                {
                    if (field.Required || random.Chance(0.8))
                    {
                        map[field.Source] = Value(field, field.Type, ref random, depth + 1);
                    }
                }

                return new AttributeValue { M = map };
            case ColumnKind.List:
                return List(column, type, ref random, depth);
            default:
                throw new SeedException($"{_contract.SourceName}: the workload cannot make values of {type} ({column.Name}).");
        }
    }

    // Lists as L (some elements NULL where the element is optional), and for strings, numbers and binaries
    // as DynamoDB sets (SS, NS, BS) half the time.
    private AttributeValue List(Column column, ColumnType type, ref SeedRandom random, int depth)
    {
        var element = type.Element!;
        var count = random.Next(4);
        var asSet = count > 0 && random.Chance(0.5);
        if (asSet && element.Kind == ColumnKind.String && column.Values is null)
        {
            var strings = new List<string>();
            for (var i = 0; i < count; i++)
            {
                strings.Add($"s{i}-" + Text(column, ref random));
            }

            return new AttributeValue { SS = strings };
        }

        if (asSet && element.Kind is ColumnKind.Int or ColumnKind.Long)
        {
            var start = random.Next(1000);
            return new AttributeValue { NS = [.. Enumerable.Range(start, count).Select(n => n.ToString(CultureInfo.InvariantCulture))] };
        }

        if (asSet && element.Kind == ColumnKind.Binary)
        {
            // Distinct elements, as a set needs: each begins with its index.
            var binaries = new List<MemoryStream>();
            for (var i = 0; i < count; i++)
            {
                binaries.Add(new MemoryStream([(byte)i, .. Bytes(ref random)]));
            }

            return new AttributeValue { BS = binaries };
        }

        var list = new List<AttributeValue>();
        for (var i = 0; i < count; i++)
        {
            list.Add(!type.ElementRequired && random.Chance(0.1) ? new AttributeValue { NULL = true } : Value(column, element, ref random, depth + 1));
        }

        return new AttributeValue { L = list };
    }

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static string Text(Column column, ref SeedRandom random)
    {
        if (column.Values is { Count: > 0 } values)
        {
            return values[random.Next(values.Count)];
        }

        var text = new StringBuilder();
        var length = random.Next(12);
        for (var i = 0; i < length; i++)
        {
            text.Append(s_pieces[random.Next(s_pieces.Length)]);
        }

        return text.ToString();
    }

    private static byte[] Bytes(ref SeedRandom random)
    {
        var bytes = new byte[random.Next(17)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)random.Next(256);
        }

        return bytes;
    }

    // A decimal(p,s) at the edges of its precision a fifth of the time: the largest, the smallest, the
    // smallest step, zero; otherwise any digits that fit.
    private static string DecimalText(int precision, int scale, ref SeedRandom random)
    {
        var whole = precision - scale;
        var edge = random.Next(10);
        var sign = random.Chance(0.5) ? "-" : "";
        string integer;
        string fraction;
        switch (edge)
        {
            case 0:
                (integer, fraction) = (whole == 0 ? "0" : new string('9', whole), new string('9', scale));
                break;
            case 1:
                (integer, fraction, sign) = ("0", scale == 0 ? "" : new string('0', scale - 1) + "1", "");
                break;
            case 2:
                (integer, fraction, sign) = ("0", new string('0', scale), "");
                break;
            default:
                var digits = random.Next(whole + 1);
                var text = new StringBuilder(digits == 0 ? "0" : ((char)('1' + random.Next(9))).ToString());
                for (var i = 1; i < digits; i++)
                {
                    text.Append((char)('0' + random.Next(10)));
                }

                integer = text.ToString();
                var f = new StringBuilder();
                for (var i = 0; i < scale; i++)
                {
                    f.Append((char)('0' + random.Next(10)));
                }

                fraction = f.ToString();
                break;
        }

        return sign + integer + (fraction.Length == 0 ? "" : "." + fraction);
    }
}
