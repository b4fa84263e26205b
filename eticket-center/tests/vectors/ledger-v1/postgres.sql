
CREATE SCHEMA ledger_v1;

CREATE TABLE ledger_v1.center_keys (
    id bigint NOT NULL,
    purpose text NOT NULL,
    secret bytea NOT NULL,
    not_before bigint NOT NULL,
    not_after bigint NOT NULL,
    retired bigint DEFAULT 0 NOT NULL,
    CONSTRAINT center_keys_purpose_check CHECK ((purpose = ANY (ARRAY['tickets'::text, 'grants'::text, 'lists'::text, 'root'::text])))
);

CREATE TABLE ledger_v1.credentials (
    token_hash bytea NOT NULL,
    role text NOT NULL,
    subject bigint NOT NULL,
    label text NOT NULL,
    created_at bigint NOT NULL,
    CONSTRAINT credentials_role_check CHECK ((role = ANY (ARRAY['organizer'::text, 'distributor'::text, 'terminal'::text, 'gate'::text])))
);

CREATE TABLE ledger_v1.distributors (
    id bigint NOT NULL,
    name text NOT NULL
);

CREATE TABLE ledger_v1.event_distributors (
    event bigint NOT NULL,
    distributor bigint NOT NULL,
    policy text NOT NULL
);

CREATE TABLE ledger_v1.events (
    id bigint NOT NULL,
    organizer bigint NOT NULL,
    info text NOT NULL,
    prices text NOT NULL,
    registered_at bigint NOT NULL,
    revocation_version bigint DEFAULT 0 NOT NULL
);

CREATE TABLE ledger_v1.idempotency (
    principal text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    response text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE ledger_v1.issued (
    event bigint NOT NULL,
    serial bigint NOT NULL,
    generation bigint NOT NULL,
    holder text NOT NULL,
    ticket bytea NOT NULL,
    issued_at bigint NOT NULL,
    status text NOT NULL,
    CONSTRAINT issued_status_check CHECK ((status = ANY (ARRAY['valid'::text, 'transferred'::text, 'revoked'::text])))
);

CREATE TABLE ledger_v1.issuing_records (
    event bigint NOT NULL,
    serial bigint NOT NULL,
    distributor bigint NOT NULL,
    member bigint,
    holder text NOT NULL,
    decided_at bigint NOT NULL,
    hold_until bigint
);

CREATE TABLE ledger_v1.lotteries (
    event bigint NOT NULL,
    distributor bigint NOT NULL,
    seed bytea NOT NULL,
    seed_hash bytea NOT NULL,
    opens bigint NOT NULL,
    closes bigint NOT NULL,
    seats bigint NOT NULL,
    drawn_at bigint
);

CREATE TABLE ledger_v1.lottery_applications (
    event bigint NOT NULL,
    distributor bigint NOT NULL,
    holder text NOT NULL,
    member bigint,
    quantity bigint NOT NULL,
    seat_type bigint,
    applied_at bigint NOT NULL,
    result text DEFAULT 'pending'::text NOT NULL,
    CONSTRAINT lottery_applications_result_check CHECK ((result = ANY (ARRAY['pending'::text, 'won'::text, 'lost'::text])))
);

CREATE TABLE ledger_v1.members (
    distributor bigint NOT NULL,
    member bigint NOT NULL,
    name text NOT NULL,
    chip text NOT NULL,
    registered_at bigint NOT NULL
);

CREATE TABLE ledger_v1.meta (
    name text NOT NULL,
    value text NOT NULL
);

CREATE TABLE ledger_v1.revocations (
    event bigint NOT NULL,
    serial bigint NOT NULL,
    generation bigint NOT NULL,
    version bigint NOT NULL
);

CREATE TABLE ledger_v1.tickets (
    event bigint NOT NULL,
    serial bigint NOT NULL,
    place text NOT NULL,
    seat_type bigint NOT NULL,
    price bigint NOT NULL,
    distributor bigint,
    state text NOT NULL,
    generation bigint DEFAULT 0 NOT NULL,
    CONSTRAINT tickets_state_check CHECK ((state = ANY (ARRAY['available'::text, 'held'::text, 'authenticated'::text, 'issued'::text, 'transferred'::text, 'revoked'::text, 'used'::text])))
);

CREATE TABLE ledger_v1.transfers (
    id text NOT NULL,
    event bigint NOT NULL,
    serial bigint NOT NULL,
    generation bigint NOT NULL,
    from_chip text NOT NULL,
    to_chip text NOT NULL,
    request bytea NOT NULL,
    requested_at bigint NOT NULL,
    effective_at bigint NOT NULL,
    state text NOT NULL,
    finished_at bigint,
    CONSTRAINT transfers_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'cancelled'::text, 'completed'::text])))
);

INSERT INTO ledger_v1.center_keys VALUES (1, 'tickets', '\x5dc59aeab0e350eb9a661842a8ddd098ea2093be61b94446e147036966f6c75c', 1789913600, 2105360000, 0);
INSERT INTO ledger_v1.center_keys VALUES (2, 'grants', '\xfd56b148aa1f738af55e001d1a48e7822d0adebc4c1ef26da69497513bfeb229', 1789913600, 2105360000, 0);
INSERT INTO ledger_v1.center_keys VALUES (3, 'lists', '\xa5464b35b34f9b7d4057415b31adc284986093ac9526881afbb6195e2fb85793', 1789913600, 2105360000, 0);
INSERT INTO ledger_v1.center_keys VALUES (100, 'root', '\xc8505e2679b46ad0387b2cc66245e2793a16a466be5144f4040e4dd3dd0e7205', 1789913600, 2105360000, 0);

INSERT INTO ledger_v1.credentials VALUES ('\x9f09d69624dd565d4b3b8063112a4875c8f924e3c50072c1e4895d70f34d7a0e', 'organizer', 1, 'org', 1790000000);
INSERT INTO ledger_v1.credentials VALUES ('\x96441188ba4c33b48fceb8b4191c6727cac705fbd2d1d9aa45b79f541d8256b6', 'distributor', 1, 'shop', 1790000000);
INSERT INTO ledger_v1.credentials VALUES ('\x1bcb3f2baaebe189a910c03cabfcbf95418436cc603370b4965105be5ef9590c', 'gate', 2026, 'gate', 1790000000);

INSERT INTO ledger_v1.distributors VALUES (1, 'Shop');

INSERT INTO ledger_v1.event_distributors VALUES (2026, 1, '{"kind":"first_come_first_served","per_member_limit":null,"hold_until":null}');

INSERT INTO ledger_v1.events VALUES (2026, 1, '{"id":2026,"name":"Autumn Open Air 2026","venue":{"name":"Festhalle Nord","address":"Hallenweg 1, 10115 Berlin","time_zone":"Europe/Berlin","gates":[{"id":1,"name":"Gate 1 (North)"},{"id":2,"name":"Gate 2 (East)"}],"blocks":[{"id":1,"name":"Block A","gate":1,"guidance":"Take the stairs on the left, Block A is on level 1.","row_labels":["A","B","C","D"]},{"id":2,"name":"Block B","gate":2,"guidance":"Walk straight ahead, Block B is behind the bar.","row_labels":[]}]},"schedule":{"doors_open":1789996400,"start":1790000000,"end":1790014400},"seat_types":[{"id":1,"name":"Category A"},{"id":2,"name":"Category B"},{"id":3,"name":"Standing"}],"seats":{"seats":[{"block":1,"row":1,"number":1,"seat_type":1},{"block":1,"row":1,"number":2,"seat_type":1},{"block":1,"row":1,"number":3,"seat_type":1},{"block":1,"row":1,"number":4,"seat_type":1},{"block":1,"row":1,"number":5,"seat_type":1},{"block":1,"row":1,"number":6,"seat_type":1},{"block":1,"row":1,"number":7,"seat_type":1},{"block":1,"row":1,"number":8,"seat_type":1},{"block":1,"row":1,"number":9,"seat_type":1},{"block":1,"row":1,"number":10,"seat_type":1},{"block":1,"row":2,"number":1,"seat_type":1},{"block":1,"row":2,"number":2,"seat_type":1},{"block":1,"row":2,"number":3,"seat_type":1},{"block":1,"row":2,"number":4,"seat_type":1},{"block":1,"row":2,"number":5,"seat_type":1},{"block":1,"row":2,"number":6,"seat_type":1},{"block":1,"row":2,"number":7,"seat_type":1},{"block":1,"row":2,"number":8,"seat_type":1},{"block":1,"row":2,"number":9,"seat_type":1},{"block":1,"row":2,"number":10,"seat_type":1},{"block":1,"row":3,"number":1,"seat_type":1},{"block":1,"row":3,"number":2,"seat_type":1},{"block":1,"row":3,"number":3,"seat_type":1},{"block":1,"row":3,"number":4,"seat_type":1},{"block":1,"row":3,"number":5,"seat_type":1},{"block":1,"row":3,"number":6,"seat_type":1},{"block":1,"row":3,"number":7,"seat_type":1},{"block":1,"row":3,"number":8,"seat_type":1},{"block":1,"row":3,"number":9,"seat_type":1},{"block":1,"row":3,"number":10,"seat_type":1},{"block":1,"row":4,"number":1,"seat_type":1},{"block":1,"row":4,"number":2,"seat_type":1},{"block":1,"row":4,"number":3,"seat_type":1},{"block":1,"row":4,"number":4,"seat_type":1},{"block":1,"row":4,"number":5,"seat_type":1},{"block":1,"row":4,"number":6,"seat_type":1},{"block":1,"row":4,"number":7,"seat_type":1},{"block":1,"row":4,"number":8,"seat_type":1},{"block":1,"row":4,"number":9,"seat_type":1},{"block":1,"row":4,"number":10,"seat_type":1},{"block":2,"row":1,"number":1,"seat_type":2},{"block":2,"row":1,"number":2,"seat_type":2},{"block":2,"row":1,"number":3,"seat_type":2},{"block":2,"row":1,"number":4,"seat_type":2},{"block":2,"row":1,"number":5,"seat_type":2},{"block":2,"row":1,"number":6,"seat_type":2},{"block":2,"row":1,"number":7,"seat_type":2},{"block":2,"row":1,"number":8,"seat_type":2},{"block":2,"row":1,"number":9,"seat_type":2},{"block":2,"row":1,"number":10,"seat_type":2},{"block":2,"row":2,"number":1,"seat_type":2},{"block":2,"row":2,"number":2,"seat_type":2},{"block":2,"row":2,"number":3,"seat_type":2},{"block":2,"row":2,"number":4,"seat_type":2},{"block":2,"row":2,"number":5,"seat_type":2},{"block":2,"row":2,"number":6,"seat_type":2},{"block":2,"row":2,"number":7,"seat_type":2},{"block":2,"row":2,"number":8,"seat_type":2},{"block":2,"row":2,"number":9,"seat_type":2},{"block":2,"row":2,"number":10,"seat_type":2},{"block":2,"row":3,"number":1,"seat_type":2},{"block":2,"row":3,"number":2,"seat_type":2},{"block":2,"row":3,"number":3,"seat_type":2},{"block":2,"row":3,"number":4,"seat_type":2},{"block":2,"row":3,"number":5,"seat_type":2},{"block":2,"row":3,"number":6,"seat_type":2},{"block":2,"row":3,"number":7,"seat_type":2},{"block":2,"row":3,"number":8,"seat_type":2},{"block":2,"row":3,"number":9,"seat_type":2},{"block":2,"row":3,"number":10,"seat_type":2},{"block":2,"row":4,"number":1,"seat_type":2},{"block":2,"row":4,"number":2,"seat_type":2},{"block":2,"row":4,"number":3,"seat_type":2},{"block":2,"row":4,"number":4,"seat_type":2},{"block":2,"row":4,"number":5,"seat_type":2},{"block":2,"row":4,"number":6,"seat_type":2},{"block":2,"row":4,"number":7,"seat_type":2},{"block":2,"row":4,"number":8,"seat_type":2},{"block":2,"row":4,"number":9,"seat_type":2},{"block":2,"row":4,"number":10,"seat_type":2}],"areas":[{"id":1,"name":"Standing Area","gate":2,"guidance":"Follow the green signs to the front of the stage.","capacity":50,"seat_type":3}]}}', '{"1":8900,"2":5900,"3":3900}', 1790000000, 1);

INSERT INTO ledger_v1.idempotency VALUES ('operator', 'd1', '\xbb4d3b6e6b14577b60d62ce3752812ab09136632b38d1cf7c03193c274a4678f', '1', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('organizer:1', 'reg', '\x5e7d5b0138e44dd2b0899748cc0b11ce0fdd7349885973658c0a5663f9de428f', '{"event":2026,"tickets":130}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('organizer:1', 'sel', '\x1df343c1f91863870afd56bc18633d51deb0ea520bdef0d0f202c9b834a68f87', 'null', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('organizer:1', 'ratio', '\x18107ec4e95fa1b109ba00f1ce77d3033a9474104546e71f8bbb097e787ed287', '{"event":2026,"allotted":[[1,130]],"unallotted":0}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'sale-paper', '\x11963627d2e47974fc0cc62c67061b29fbd7cda5e90e1d4eac5aaa302dac8438', '{"records":[{"event":2026,"serial":1,"place":{"Seat":{"block":1,"row":1,"number":1}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":2,"place":{"Seat":{"block":1,"row":1,"number":2}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":3,"place":{"Seat":{"block":1,"row":1,"number":3}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null}]}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'sale-chip', '\xeb8efbbb13907cb5ad59948e5e53214845b1a018409c3c463089289126438574', '{"records":[{"event":2026,"serial":4,"place":{"Seat":{"block":1,"row":1,"number":4}},"seat_type":1,"distributor":1,"member":null,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":5,"place":{"Seat":{"block":1,"row":1,"number":5}},"seat_type":1,"distributor":1,"member":null,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","decided_at":1790000000,"hold_until":null}]}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'issue-1', '\xa4347c1b21efe495e17afc853009ca1886329fe42faf78edc8eda6cccb98a474', '{"ticket":{"event":2026,"serial":1,"generation":0,"holder":"paper","ticket":"010001ea0f01000001010101f0dac4d506d08c0180f7c4d506000100edf2fb14721d59991128e5bc72df64c41c0854d67c951f4b2f2cf7524f495c3a48c288696634edef88241c089b1dbc06998eecf3d082905609e8aa5800af6ea1","issued_at":1790000000},"grant":null}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'issue-2', '\x52855df518f951a78978cc5583152a8254c895d7c5ffc19c647f5ee218ab705a', '{"ticket":{"event":2026,"serial":2,"generation":0,"holder":"paper","ticket":"010001ea0f02000001010201f0dac4d506d08c0180f7c4d5060001006c8858c48a2b032c7dbfa29d22856fb7d4314523f6bc1163643d95cc832e916b4054577b0ea1c30d559a42a9a2799d0ad1b165e9fd0ed7b9df517064fef7ddc0","issued_at":1790000000},"grant":null}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'issue-3', '\x99142fc308a83d88efa219191be1553467433bedf8de8dd5a9f50758b75b3dcf', '{"ticket":{"event":2026,"serial":3,"generation":0,"holder":"paper","ticket":"010001ea0f03000001010301f0dac4d506d08c0180f7c4d506000100d973dd01873b31ad246fc4ac7cbadf0423505baba166efacd4256f11f3bdabb32063d57d103535751837a6465f1776cf0b06beeba690ef1410f682646b767cba","issued_at":1790000000},"grant":null}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'issue-4', '\x03e11e3550ed867be5f7a611414de5950cc988da363b5d3bb18074687c091ad1', '{"ticket":{"event":2026,"serial":4,"generation":0,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","ticket":"010001ea0f04000001010401f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a010094967f2c694270037ce8d3f7b6292c6b8b993236c2532eab5061be51d379c8c33cc5935a60a32ecc1f6ac99f60a14339c24ef527b99148f73092ac28c5d5ac48","issued_at":1790000000},"grant":{"op":"Write","chip":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","counter":0,"slot":0,"payload_hash":"3430f7425c2f987058f45ea463c6444f2ae74d4a5ede063d8914779a6cdc0155","expires":1790000900,"grant":"010002005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a00003430f7425c2f987058f45ea463c6444f2ae74d4a5ede063d8914779a6cdc015584fec4d50699e918533e58c656896238dcb1f676c4b66cc198214a73f816c47a65a5c9b136030cc848f5318892239836f564a4280c6ead62a222e9c2469881b242841e7708"}}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('distributor:1', 'issue-5', '\xe07dd6d1ec31bb0548161c583f545a4e1f12bb8c62decc1bc1ba25409c686f8c', '{"ticket":{"event":2026,"serial":5,"generation":0,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","ticket":"010001ea0f05000001010501f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a01009291939c911edac8f20b6b1b65e85f052e1a71206e070d5eebbd843164b8a0083deeb4ec8709cd4863bd5aa4b0b4c895ebe710edc34384e891c0beae8214efdf","issued_at":1790000000},"grant":{"op":"Write","chip":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","counter":1,"slot":1,"payload_hash":"ede6488efd9d7f4d8bc6c5e0b1ecdf99afe37e144424e43ef2bae267503cb284","expires":1790000900,"grant":"010002005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0101ede6488efd9d7f4d8bc6c5e0b1ecdf99afe37e144424e43ef2bae267503cb28484fec4d506ad585e973bd3345a6b59e5ab2d215ab8e718b216d3ea6e81531124314b7cd75e7b5862d811c75c2b8915d4c5483b29d68e7af74a8684132075680c0946b21efa"}}', 1790000000);
INSERT INTO ledger_v1.idempotency VALUES ('organizer:1', 'revoke', '\x7013ca04de4471592480faeba8b6472a5cea4ba9cad17add0f5284b5b8a52852', '1', 1790000000);

INSERT INTO ledger_v1.issued VALUES (2026, 2, 0, 'paper', '\x010001ea0f02000001010201f0dac4d506d08c0180f7c4d5060001006c8858c48a2b032c7dbfa29d22856fb7d4314523f6bc1163643d95cc832e916b4054577b0ea1c30d559a42a9a2799d0ad1b165e9fd0ed7b9df517064fef7ddc0', 1790000000, 'valid');
INSERT INTO ledger_v1.issued VALUES (2026, 3, 0, 'paper', '\x010001ea0f03000001010301f0dac4d506d08c0180f7c4d506000100d973dd01873b31ad246fc4ac7cbadf0423505baba166efacd4256f11f3bdabb32063d57d103535751837a6465f1776cf0b06beeba690ef1410f682646b767cba', 1790000000, 'valid');
INSERT INTO ledger_v1.issued VALUES (2026, 4, 0, 'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', '\x010001ea0f04000001010401f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a010094967f2c694270037ce8d3f7b6292c6b8b993236c2532eab5061be51d379c8c33cc5935a60a32ecc1f6ac99f60a14339c24ef527b99148f73092ac28c5d5ac48', 1790000000, 'valid');
INSERT INTO ledger_v1.issued VALUES (2026, 5, 0, 'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', '\x010001ea0f05000001010501f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a01009291939c911edac8f20b6b1b65e85f052e1a71206e070d5eebbd843164b8a0083deeb4ec8709cd4863bd5aa4b0b4c895ebe710edc34384e891c0beae8214efdf', 1790000000, 'valid');
INSERT INTO ledger_v1.issued VALUES (2026, 1, 0, 'paper', '\x010001ea0f01000001010101f0dac4d506d08c0180f7c4d506000100edf2fb14721d59991128e5bc72df64c41c0854d67c951f4b2f2cf7524f495c3a48c288696634edef88241c089b1dbc06998eecf3d082905609e8aa5800af6ea1', 1790000000, 'revoked');

INSERT INTO ledger_v1.issuing_records VALUES (2026, 1, 1, NULL, 'paper', 1790000000, NULL);
INSERT INTO ledger_v1.issuing_records VALUES (2026, 2, 1, NULL, 'paper', 1790000000, NULL);
INSERT INTO ledger_v1.issuing_records VALUES (2026, 3, 1, NULL, 'paper', 1790000000, NULL);
INSERT INTO ledger_v1.issuing_records VALUES (2026, 4, 1, NULL, 'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', 1790000000, NULL);
INSERT INTO ledger_v1.issuing_records VALUES (2026, 5, 1, NULL, 'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a', 1790000000, NULL);

INSERT INTO ledger_v1.meta VALUES ('schema_version', '1');

INSERT INTO ledger_v1.revocations VALUES (2026, 1, 0, 1);

INSERT INTO ledger_v1.tickets VALUES (2026, 6, '{"Seat":{"block":1,"row":1,"number":6}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 7, '{"Seat":{"block":1,"row":1,"number":7}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 8, '{"Seat":{"block":1,"row":1,"number":8}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 9, '{"Seat":{"block":1,"row":1,"number":9}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 2, '{"Seat":{"block":1,"row":1,"number":2}}', 1, 8900, 1, 'issued', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 3, '{"Seat":{"block":1,"row":1,"number":3}}', 1, 8900, 1, 'issued', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 4, '{"Seat":{"block":1,"row":1,"number":4}}', 1, 8900, 1, 'issued', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 5, '{"Seat":{"block":1,"row":1,"number":5}}', 1, 8900, 1, 'issued', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 1, '{"Seat":{"block":1,"row":1,"number":1}}', 1, 8900, 1, 'revoked', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 10, '{"Seat":{"block":1,"row":1,"number":10}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 11, '{"Seat":{"block":1,"row":2,"number":1}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 12, '{"Seat":{"block":1,"row":2,"number":2}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 13, '{"Seat":{"block":1,"row":2,"number":3}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 14, '{"Seat":{"block":1,"row":2,"number":4}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 15, '{"Seat":{"block":1,"row":2,"number":5}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 16, '{"Seat":{"block":1,"row":2,"number":6}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 17, '{"Seat":{"block":1,"row":2,"number":7}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 18, '{"Seat":{"block":1,"row":2,"number":8}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 19, '{"Seat":{"block":1,"row":2,"number":9}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 20, '{"Seat":{"block":1,"row":2,"number":10}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 21, '{"Seat":{"block":1,"row":3,"number":1}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 22, '{"Seat":{"block":1,"row":3,"number":2}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 23, '{"Seat":{"block":1,"row":3,"number":3}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 24, '{"Seat":{"block":1,"row":3,"number":4}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 25, '{"Seat":{"block":1,"row":3,"number":5}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 26, '{"Seat":{"block":1,"row":3,"number":6}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 27, '{"Seat":{"block":1,"row":3,"number":7}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 28, '{"Seat":{"block":1,"row":3,"number":8}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 29, '{"Seat":{"block":1,"row":3,"number":9}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 30, '{"Seat":{"block":1,"row":3,"number":10}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 31, '{"Seat":{"block":1,"row":4,"number":1}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 32, '{"Seat":{"block":1,"row":4,"number":2}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 33, '{"Seat":{"block":1,"row":4,"number":3}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 34, '{"Seat":{"block":1,"row":4,"number":4}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 35, '{"Seat":{"block":1,"row":4,"number":5}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 36, '{"Seat":{"block":1,"row":4,"number":6}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 37, '{"Seat":{"block":1,"row":4,"number":7}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 38, '{"Seat":{"block":1,"row":4,"number":8}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 39, '{"Seat":{"block":1,"row":4,"number":9}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 40, '{"Seat":{"block":1,"row":4,"number":10}}', 1, 8900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 41, '{"Seat":{"block":2,"row":1,"number":1}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 42, '{"Seat":{"block":2,"row":1,"number":2}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 43, '{"Seat":{"block":2,"row":1,"number":3}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 44, '{"Seat":{"block":2,"row":1,"number":4}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 45, '{"Seat":{"block":2,"row":1,"number":5}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 46, '{"Seat":{"block":2,"row":1,"number":6}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 47, '{"Seat":{"block":2,"row":1,"number":7}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 48, '{"Seat":{"block":2,"row":1,"number":8}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 49, '{"Seat":{"block":2,"row":1,"number":9}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 50, '{"Seat":{"block":2,"row":1,"number":10}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 51, '{"Seat":{"block":2,"row":2,"number":1}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 52, '{"Seat":{"block":2,"row":2,"number":2}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 53, '{"Seat":{"block":2,"row":2,"number":3}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 54, '{"Seat":{"block":2,"row":2,"number":4}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 55, '{"Seat":{"block":2,"row":2,"number":5}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 56, '{"Seat":{"block":2,"row":2,"number":6}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 57, '{"Seat":{"block":2,"row":2,"number":7}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 58, '{"Seat":{"block":2,"row":2,"number":8}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 59, '{"Seat":{"block":2,"row":2,"number":9}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 60, '{"Seat":{"block":2,"row":2,"number":10}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 61, '{"Seat":{"block":2,"row":3,"number":1}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 62, '{"Seat":{"block":2,"row":3,"number":2}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 63, '{"Seat":{"block":2,"row":3,"number":3}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 64, '{"Seat":{"block":2,"row":3,"number":4}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 65, '{"Seat":{"block":2,"row":3,"number":5}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 66, '{"Seat":{"block":2,"row":3,"number":6}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 67, '{"Seat":{"block":2,"row":3,"number":7}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 68, '{"Seat":{"block":2,"row":3,"number":8}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 69, '{"Seat":{"block":2,"row":3,"number":9}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 70, '{"Seat":{"block":2,"row":3,"number":10}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 71, '{"Seat":{"block":2,"row":4,"number":1}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 72, '{"Seat":{"block":2,"row":4,"number":2}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 73, '{"Seat":{"block":2,"row":4,"number":3}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 74, '{"Seat":{"block":2,"row":4,"number":4}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 75, '{"Seat":{"block":2,"row":4,"number":5}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 76, '{"Seat":{"block":2,"row":4,"number":6}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 77, '{"Seat":{"block":2,"row":4,"number":7}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 78, '{"Seat":{"block":2,"row":4,"number":8}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 79, '{"Seat":{"block":2,"row":4,"number":9}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 80, '{"Seat":{"block":2,"row":4,"number":10}}', 2, 5900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 81, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 82, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 83, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 84, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 85, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 86, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 87, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 88, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 89, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 90, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 91, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 92, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 93, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 94, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 95, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 96, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 97, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 98, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 99, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 100, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 101, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 102, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 103, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 104, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 105, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 106, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 107, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 108, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 109, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 110, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 111, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 112, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 113, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 114, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 115, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 116, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 117, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 118, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 119, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 120, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 121, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 122, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 123, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 124, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 125, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 126, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 127, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 128, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 129, '{"Area":1}', 3, 3900, 1, 'available', 0);
INSERT INTO ledger_v1.tickets VALUES (2026, 130, '{"Area":1}', 3, 3900, 1, 'available', 0);

ALTER TABLE ONLY ledger_v1.center_keys
    ADD CONSTRAINT center_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ledger_v1.credentials
    ADD CONSTRAINT credentials_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY ledger_v1.distributors
    ADD CONSTRAINT distributors_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ledger_v1.event_distributors
    ADD CONSTRAINT event_distributors_pkey PRIMARY KEY (event, distributor);

ALTER TABLE ONLY ledger_v1.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY ledger_v1.idempotency
    ADD CONSTRAINT idempotency_pkey PRIMARY KEY (principal, key);

ALTER TABLE ONLY ledger_v1.issued
    ADD CONSTRAINT issued_pkey PRIMARY KEY (event, serial, generation);

ALTER TABLE ONLY ledger_v1.issuing_records
    ADD CONSTRAINT issuing_records_pkey PRIMARY KEY (event, serial);

ALTER TABLE ONLY ledger_v1.lotteries
    ADD CONSTRAINT lotteries_pkey PRIMARY KEY (event, distributor);

ALTER TABLE ONLY ledger_v1.lottery_applications
    ADD CONSTRAINT lottery_applications_pkey PRIMARY KEY (event, distributor, holder);

ALTER TABLE ONLY ledger_v1.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (distributor, member);

ALTER TABLE ONLY ledger_v1.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (name);

ALTER TABLE ONLY ledger_v1.revocations
    ADD CONSTRAINT revocations_pkey PRIMARY KEY (event, serial, generation);

ALTER TABLE ONLY ledger_v1.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (event, serial);

ALTER TABLE ONLY ledger_v1.transfers
    ADD CONSTRAINT transfers_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX issued_one_valid ON ledger_v1.issued USING btree (event, serial) WHERE (status = 'valid'::text);

CREATE INDEX issuing_records_holder ON ledger_v1.issuing_records USING btree (event, holder);

CREATE INDEX issuing_records_member ON ledger_v1.issuing_records USING btree (event, distributor, member);

CREATE UNIQUE INDEX members_chip ON ledger_v1.members USING btree (distributor, chip);

CREATE INDEX revocations_version ON ledger_v1.revocations USING btree (event, version);

CREATE INDEX tickets_allotment ON ledger_v1.tickets USING btree (event, distributor, state, seat_type, serial);

CREATE INDEX transfers_due ON ledger_v1.transfers USING btree (state, effective_at);

CREATE UNIQUE INDEX transfers_one_pending ON ledger_v1.transfers USING btree (event, serial) WHERE (state = 'pending'::text);

ALTER TABLE ONLY ledger_v1.event_distributors
    ADD CONSTRAINT event_distributors_distributor_fkey FOREIGN KEY (distributor) REFERENCES ledger_v1.distributors(id);

ALTER TABLE ONLY ledger_v1.event_distributors
    ADD CONSTRAINT event_distributors_event_fkey FOREIGN KEY (event) REFERENCES ledger_v1.events(id);

ALTER TABLE ONLY ledger_v1.issued
    ADD CONSTRAINT issued_event_serial_fkey FOREIGN KEY (event, serial) REFERENCES ledger_v1.issuing_records(event, serial);

ALTER TABLE ONLY ledger_v1.issuing_records
    ADD CONSTRAINT issuing_records_event_serial_fkey FOREIGN KEY (event, serial) REFERENCES ledger_v1.tickets(event, serial);

ALTER TABLE ONLY ledger_v1.lotteries
    ADD CONSTRAINT lotteries_event_distributor_fkey FOREIGN KEY (event, distributor) REFERENCES ledger_v1.event_distributors(event, distributor);

ALTER TABLE ONLY ledger_v1.lottery_applications
    ADD CONSTRAINT lottery_applications_event_distributor_fkey FOREIGN KEY (event, distributor) REFERENCES ledger_v1.lotteries(event, distributor);

ALTER TABLE ONLY ledger_v1.members
    ADD CONSTRAINT members_distributor_fkey FOREIGN KEY (distributor) REFERENCES ledger_v1.distributors(id);

ALTER TABLE ONLY ledger_v1.tickets
    ADD CONSTRAINT tickets_event_fkey FOREIGN KEY (event) REFERENCES ledger_v1.events(id);

ALTER TABLE ONLY ledger_v1.transfers
    ADD CONSTRAINT transfers_event_serial_fkey FOREIGN KEY (event, serial) REFERENCES ledger_v1.tickets(event, serial);

