"""The sql/ endpoint: translation, parameters, SeaTable's refusals and consistency."""

from __future__ import annotations

import pytest

from seatable_async.testing import Emulator

from .conftest import gateway_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def people(emulator: Emulator) -> Emulator:
    emulator.append_rows(
        "Contacts",
        [
            {"Name": "Ann", "Age": 30, "Done": True},
            {"Name": "Bob", "Age": 17},
            {"Name": "Cy", "Age": 45, "Done": False},
        ],
    )
    return emulator


async def test_select_with_parameters_has_the_6_0_10_envelope(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        response = await gw.sql(
            "SELECT Name, Age FROM Contacts WHERE Age >= ? ORDER BY Age DESC",
            18,
            convert_keys=True,
        )
    body = response.json()
    assert set(body) == {"metadata", "results", "success", "error_message", "is_join_stmt"}
    assert body["success"] is True
    assert body["error_message"] == ""
    assert body["is_join_stmt"] is False
    assert body["results"] == [{"Name": "Cy", "Age": 45}, {"Name": "Ann", "Age": 30}]
    assert [m["name"] for m in body["metadata"]] == ["Name", "Age"]


async def test_convert_keys_false_returns_column_keys(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        response = await gw.sql("SELECT Name FROM Contacts LIMIT 1", convert_keys=False)
    assert response.json()["results"] == [{"0000": "Ann"}]


async def test_parameters_are_bound_not_pasted(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        injected = await gw.sql("SELECT Name FROM Contacts WHERE Name = ?", "x' OR '1'='1")
        quoted = await gw.sql("SELECT Name FROM Contacts WHERE Name = ?", "Bob")
    assert injected.json()["results"] == []
    assert quoted.json()["results"] == [{"Name": "Bob"}]


async def test_parameter_count_must_match(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        response = await gw.sql("SELECT * FROM Contacts WHERE Age > ? AND Age < ?", 1)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM Contacts JOIN Table1 ON Contacts.Name = Table1.Name",
        "SELECT * FROM Contacts LEFT JOIN Table1 ON Contacts.Name = Table1.Name",
        "SELECT Name FROM Contacts UNION SELECT Name FROM Table1",
        "SELECT * FROM Contacts WHERE Name IN (SELECT Name FROM Table1)",
        "UPDATE Contacts SET Age = Age + 1",
        "UPDATE Contacts SET Name = UPPER('x')",
        "INSERT INTO Contacts (Name) VALUES (CONCAT('a', 'b'))",
        "UPDATE Contacts SET Age = 1 LIMIT 1",
        "SELEC * FROM Contacts",
        "SELECT * FROM Contacts; SELECT * FROM Table1",
        "UPDATE Contacts SET Name = -'abc'",
        "UPDATE Contacts SET Tags = (1e999, 2)",
        "SELECT * FROM Contacts LIMIT 100000000000000000000000",
        "SELECT NO_SUCH_FUNCTION(Name) FROM Contacts",
        "UPDATE Contacts SET Age = 1 WHERE NO_SUCH_FUNCTION(Name)",
        "SELECT emulator_like(Name, 'A%', 0) FROM Contacts",
        "SELECT Name FROM Contacts WHERE EMULATOR_LIST_OP('has_any_of', Tags, 'red')",
        "SELECT Name FROM Contacts WHERE Tags HAS ANY OF 'red'",
        "SELECT Name FROM Contacts WHERE Name LIKE 'a' ESCAPE 'xy'",
        "SELECT ABS() FROM Contacts",
    ],
)
async def test_seatable_refusals(people: Emulator, sql: str) -> None:
    async with gateway_for(people) as gw:
        response = await gw.sql(sql)
    assert response.status_code == 400
    assert isinstance(response.json()["error_message"], str)
    assert len(people.rows("Contacts")) == 3


async def test_unknown_table_and_column(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        table = await gw.sql("SELECT * FROM nonexistent_table")
        column = await gw.sql("SELECT Nope FROM Contacts")
    assert (table.status_code, table.json()) == (
        400,
        {"error_message": "no such table: nonexistent_table"},
    )
    assert column.status_code == 400


async def test_default_limit_100_and_maximum_10000(emulator: Emulator) -> None:
    emulator.append_rows("Contacts", [{"Age": i} for i in range(10_050)])
    async with gateway_for(emulator) as gw:
        default = await gw.sql("SELECT Age FROM Contacts")
        capped = await gw.sql("SELECT Age FROM Contacts LIMIT 20000")
        paged = await gw.sql("SELECT Age FROM Contacts ORDER BY Age LIMIT 5 OFFSET 10")
    assert len(default.json()["results"]) == 100
    assert len(capped.json()["results"]) == 10_000
    assert [r["Age"] for r in paged.json()["results"]] == [10, 11, 12, 13, 14]


async def test_writes_through_sql_are_seen_by_rows_endpoints(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        inserted = await gw.sql(
            "INSERT INTO Contacts (Name, Age, Tags) VALUES (?, ?, ('a', 'b')), ('Eve', -3, NULL)",
            "Dan",
            9,
        )
        updated = await gw.sql("UPDATE Contacts SET Age = ?, Done = true WHERE Name = ?", 18, "Bob")
        deleted = await gw.sql("DELETE FROM Contacts WHERE Age < 0")
        rows = await gw.request(
            "GET", "/rows/", params={"table_name": "Contacts", "convert_keys": "true"}
        )
    assert inserted.json()["success"]
    assert updated.json()["success"]
    assert deleted.json()["success"]
    by_name = {r["Name"]: r for r in rows.json()["rows"]}
    assert set(by_name) == {"Ann", "Bob", "Cy", "Dan"}
    assert by_name["Bob"]["Age"] == 18
    assert by_name["Bob"]["Done"] is True
    assert by_name["Dan"]["Tags"] == ["a", "b"]
    assert by_name["Dan"]["_archived"] is True  # SQL INSERT goes to the big-data backend
    assert by_name["Bob"]["_mtime"] >= by_name["Bob"]["_ctime"]


async def test_select_star_system_fields_aggregates_and_aliases(people: Emulator) -> None:
    async with gateway_for(people) as gw:
        star = await gw.sql("SELECT * FROM Contacts WHERE Done = true")
        grouped = await gw.sql(
            "SELECT COUNT(*) AS n, Done FROM Contacts GROUP BY Done ORDER BY n DESC, Done"
        )
        system = await gw.sql("SELECT _id, `Name` FROM `Contacts` WHERE _archived = false")
    (row,) = star.json()["results"]
    assert row["Name"] == "Ann"
    assert row["Done"] is True
    assert row["_archived"] is False
    assert len(row["_id"]) == 22
    assert [r["n"] for r in grouped.json()["results"]] == [1, 1, 1]
    assert len(system.json()["results"]) == 3


async def test_implicit_join_is_supported(people: Emulator) -> None:
    people.append_rows("Table1", [{"Name": "Ann"}])
    async with gateway_for(people) as gw:
        response = await gw.sql("SELECT c.Age FROM Contacts c, Table1 t WHERE c.Name = t.Name")
    assert response.json()["results"] == [{"Age": 30}]
    assert response.json()["is_join_stmt"] is True


async def test_link_cells_and_server_only(emulator: Emulator) -> None:
    emulator.add_table("Projects", [("Title", "text")])
    (person,) = emulator.append_rows("Contacts", [{"Name": "Ann"}])
    (project,) = emulator.append_rows("Projects", [{"Title": "P1"}])
    async with gateway_for(emulator) as gw:
        link = await gw.add_link_column("Contacts", "Projects", "Projects")
        await gw.request(
            "POST",
            "/links/",
            json={
                "table_name": "Contacts",
                "other_table_name": "Projects",
                "link_id": link["link_id"],
                "other_rows_ids_map": {person: [project]},
            },
        )
        await gw.sql("INSERT INTO Contacts (Name) VALUES ('archived')")
        linked = await gw.sql("SELECT Name, Projects FROM Contacts WHERE Name = 'Ann'")
        everything = await gw.sql("SELECT Name FROM Contacts")
        normal_only = await gw.sql("SELECT Name FROM Contacts", server_only=True)
    assert linked.json()["results"] == [
        {"Name": "Ann", "Projects": [{"row_id": project, "display_value": "P1"}]}
    ]
    assert len(everything.json()["results"]) == 2
    assert normal_only.json()["results"] == [{"Name": "Ann"}]


@pytest.mark.parametrize(
    ("sql", "parameter"),
    [
        ("SELECT Name FROM Contacts WHERE Age = ?", 10**26),
        ("UPDATE Contacts SET Name = ?", {"a": 1}),
        ("UPDATE Contacts SET Name = ?", ["a"]),
        ("INSERT INTO Contacts (Age) VALUES (?)", 10**26),
    ],
)
async def test_parameters_must_be_scalars_sqlite_can_bind(
    people: Emulator, sql: str, parameter: object
) -> None:
    before = people.rows("Contacts")
    async with gateway_for(people) as gw:
        response = await gw.sql(sql, parameter)
    assert (response.status_code, response.json()) == (
        400,
        {"error_message": "parameters invalid"},
    )
    assert people.rows("Contacts") == before


@pytest.mark.parametrize("flag", ["convert_keys", "server_only"])
@pytest.mark.parametrize("value", ["no", 0, None, [True]])
async def test_flags_must_be_json_booleans(people: Emulator, flag: str, value: object) -> None:
    async with gateway_for(people) as gw:
        response = await gw.sql("SELECT Name FROM Contacts", **{flag: value})
    assert (response.status_code, response.json()) == (400, {"error_message": f"{flag} invalid"})


async def test_an_oversized_literal_in_an_update_changes_nothing(people: Emulator) -> None:
    before = people.rows("Contacts")
    async with gateway_for(people) as gw:
        response = await gw.sql(f"UPDATE Contacts SET Age = {10**26}")
    assert response.status_code == 400
    assert "error_message" in response.json()
    assert people.rows("Contacts") == before


# --- SeaTable's semantics (docs/sql/select.md, docs/sql/limitations.md) ----------------------


@pytest.fixture
def varied(emulator: Emulator) -> Emulator:
    emulator.append_rows(
        "Contacts",
        [
            {"Name": "Ann", "Age": 30, "Birthday": "2024-01-31", "Tags": ["red", "blue"]},
            {"Name": "ann", "Age": 45, "Birthday": "2024/01/31", "Tags": ["blue"], "Done": True},
            {"Name": "Bob", "Age": 17, "Birthday": "2023-12-01", "Tags": ["red"]},
            {"Name": "Änne_%"},
            {},
        ],
    )
    return emulator


EVERY = {"Ann", "ann", "Bob", "Änne_%", ""}


async def names(emulator: Emulator, where: str, *params: object) -> set[str]:
    async with gateway_for(emulator) as gw:
        response = await gw.sql(f"SELECT Name FROM Contacts WHERE {where}", *params)
    assert response.status_code == 200, response.text
    return {row["Name"] or "" for row in response.json()["results"]}


SEMANTICS: dict[str, list[tuple[str, list[object], set[str]]]] = {
    "LIKE is case-sensitive, ILIKE is not": [
        ("Name LIKE 'A%'", [], {"Ann"}),
        ("Name LIKE ?", ["a%"], {"ann"}),
        ("Name ILIKE 'a%'", [], {"Ann", "ann"}),
        ("Name ILIKE 'äNNE%'", [], {"Änne_%"}),
        ("Name LIKE '_nn'", [], {"Ann", "ann"}),
        ("Name LIKE '%!%' ESCAPE '!'", [], {"Änne_%"}),
        ("Name NOT LIKE 'A%'", [], EVERY - {"Ann"}),
        ("Name NOT ILIKE 'a%'", [], {"Bob", "Änne_%", ""}),
    ],
    "dates compare as times": [
        ("Birthday = '2024-01-31'", [], {"Ann", "ann"}),
        ("Birthday = ?", ["2024-01-31T01:00:00+01:00"], {"Ann", "ann"}),
        ("Birthday > '2024-01-31'", [], set()),
        ("Birthday <= '2024-01-31 00:00:00'", [], {"Ann", "ann", "Bob"}),
        ("Birthday < '2024-01-30T23:00:00-02:00'", [], {"Ann", "ann", "Bob"}),
        ("Birthday BETWEEN '2023-12-01' AND '2023-12-01T00:00:00Z'", [], {"Bob"}),
        ("Birthday IN ('2023-12-01', ?)", ["2020-01-01"], {"Bob"}),
        ("Birthday NOT IN ('2023-12-01')", [], EVERY - {"Bob"}),
        ("_ctime > '2000-01-01'", [], EVERY),
    ],
    "list operators": [
        ("Tags HAS ANY OF ('red', 'green')", [], {"Ann", "Bob"}),
        ("Tags has any of (?)", ["blue"], {"Ann", "ann"}),
        ("Tags HAS ALL OF ('red', 'blue')", [], {"Ann"}),
        ("Tags HAS NONE OF ('red')", [], {"ann", "Änne_%", ""}),
        ("Tags IS EXACTLY ('blue', 'red')", [], {"Ann"}),
        ("Tags IS EXACTLY (?)", ["red"], {"Bob"}),
        ("NOT Tags HAS ANY OF ('red') AND Age > 40", [], {"ann"}),
        ("Name HAS ANY OF ('Bob', 'Cy')", [], {"Bob"}),
        ("Name = 'HAS ANY OF (1)' OR `Name` IS EXACTLY ('Ann')", [], {"Ann"}),
    ],
    "a list compares by its first element": [
        ("Tags = 'red'", [], {"Ann", "Bob"}),
        ("Tags = 'blue'", [], {"ann"}),
        ("Tags != 'red'", [], {"ann", "Änne_%", ""}),
        ("Tags LIKE 'b%'", [], {"ann"}),
        ("Tags LIKE '%'", [], EVERY),
        ("Tags IS NULL", [], {"Änne_%", ""}),
    ],
    "negations are true for NULL": [
        ("Name != 'Ann'", [], EVERY - {"Ann"}),
        ("Name <> ?", ["Ann"], EVERY - {"Ann"}),
        ("Age NOT IN (30, 45)", [], {"Bob", "Änne_%", ""}),
        ("Age NOT BETWEEN 20 AND 50", [], {"Bob", "Änne_%", ""}),
        ("NOT (Age > 20)", [], {"Bob", "Änne_%", ""}),
        ("NOT (Age > 20 AND Name = 'Ann')", [], EVERY - {"Ann"}),
        ("Done IS NOT TRUE", [], EVERY - {"ann"}),
        ("NOT (Name != 'Ann')", [], {"Ann"}),
        ("Age > 20", [], {"Ann", "ann"}),
    ],
}
"""SeaTable's documented WHERE semantics: rule → (condition, parameters, names selected)."""


@pytest.mark.parametrize(
    ("where", "params", "expected"),
    [
        pytest.param(*case, id=f"{rule}: {case[0]}")
        for rule, cases in SEMANTICS.items()
        for case in cases
    ],
)
async def test_seatable_where_semantics(
    varied: Emulator, where: str, params: list[object], expected: set[str]
) -> None:
    assert await names(varied, where, *params) == expected


async def test_dates_still_render_with_their_offset(varied: Emulator) -> None:
    async with gateway_for(varied) as gw:
        response = await gw.sql(
            "SELECT Birthday FROM Contacts WHERE Birthday >= '2023-01-01' ORDER BY Birthday"
        )
    assert [r["Birthday"] for r in response.json()["results"]] == [
        "2023-12-01T00:00:00+00:00",
        "2024-01-31T00:00:00+00:00",
        "2024-01-31T00:00:00+00:00",
    ]


async def test_list_operators_select_rows_to_update_and_delete(varied: Emulator) -> None:
    async with gateway_for(varied) as gw:
        await gw.sql("UPDATE Contacts SET Age = 1 WHERE Tags HAS ALL OF (?)", "red")
        await gw.sql("DELETE FROM Contacts WHERE Tags IS EXACTLY ('blue')")
    rows = {r.get("Name"): r.get("Age") for r in varied.rows("Contacts")}
    assert rows == {"Ann": 1, "Bob": 1, "Änne_%": None, None: None}
