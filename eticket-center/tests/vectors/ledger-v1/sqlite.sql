PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES('schema_version','1');
CREATE TABLE center_keys (
        id BIGINT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('tickets', 'grants', 'lists', 'root')),
        secret BLOB NOT NULL,
        not_before BIGINT NOT NULL,
        not_after BIGINT NOT NULL,
        retired BIGINT NOT NULL DEFAULT 0);
INSERT INTO center_keys VALUES(1,'tickets',X'ab15a301f0fc0b6761b3cfd1f485c0edb9e28cf088e6efa868b81fec4ae1fa29',1789913600,2105360000,0);
INSERT INTO center_keys VALUES(2,'grants',X'31669f689c0ac381f3e38f74ebdf5f4323ddb22ca6dd6249f8df29113a039f3e',1789913600,2105360000,0);
INSERT INTO center_keys VALUES(3,'lists',X'65ba173474b9b9f5d15cf98dcfcc6021219cc9b6a5013c256aa1aea85832d8f8',1789913600,2105360000,0);
INSERT INTO center_keys VALUES(100,'root',X'45333746cd25a51cbf0b3715b0d6f022c7614d22716838f401d7b1145c94c39b',1789913600,2105360000,0);
CREATE TABLE credentials (
        token_hash BLOB PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('organizer', 'distributor', 'terminal', 'gate')),
        subject BIGINT NOT NULL,
        label TEXT NOT NULL,
        created_at BIGINT NOT NULL);
INSERT INTO credentials VALUES(X'7998feb1bb18bbcd2cb10ba85edf8f8e704e2156ebb4221bd66cd85ef2eb598e','organizer',1,'org',1790000000);
INSERT INTO credentials VALUES(X'a03eab8c99b2392a67b0a8b933333e436031a9961560202c26f449b0510caa32','distributor',1,'shop',1790000000);
INSERT INTO credentials VALUES(X'60a797793dd52c00645eca72ab6c1dab0eae36f853d2df718584062b3723c8b5','gate',2026,'gate',1790000000);
CREATE TABLE distributors (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO distributors VALUES(1,'Shop');
CREATE TABLE events (
        id BIGINT PRIMARY KEY,
        organizer BIGINT NOT NULL,
        info TEXT NOT NULL,
        prices TEXT NOT NULL,
        registered_at BIGINT NOT NULL,
        revocation_version BIGINT NOT NULL DEFAULT 0);
INSERT INTO events VALUES(2026,1,'{"id":2026,"name":"Autumn Open Air 2026","venue":{"name":"Festhalle Nord","address":"Hallenweg 1, 10115 Berlin","time_zone":"Europe/Berlin","gates":[{"id":1,"name":"Gate 1 (North)"},{"id":2,"name":"Gate 2 (East)"}],"blocks":[{"id":1,"name":"Block A","gate":1,"guidance":"Take the stairs on the left, Block A is on level 1.","row_labels":["A","B","C","D"]},{"id":2,"name":"Block B","gate":2,"guidance":"Walk straight ahead, Block B is behind the bar.","row_labels":[]}]},"schedule":{"doors_open":1789996400,"start":1790000000,"end":1790014400},"seat_types":[{"id":1,"name":"Category A"},{"id":2,"name":"Category B"},{"id":3,"name":"Standing"}],"seats":{"seats":[{"block":1,"row":1,"number":1,"seat_type":1},{"block":1,"row":1,"number":2,"seat_type":1},{"block":1,"row":1,"number":3,"seat_type":1},{"block":1,"row":1,"number":4,"seat_type":1},{"block":1,"row":1,"number":5,"seat_type":1},{"block":1,"row":1,"number":6,"seat_type":1},{"block":1,"row":1,"number":7,"seat_type":1},{"block":1,"row":1,"number":8,"seat_type":1},{"block":1,"row":1,"number":9,"seat_type":1},{"block":1,"row":1,"number":10,"seat_type":1},{"block":1,"row":2,"number":1,"seat_type":1},{"block":1,"row":2,"number":2,"seat_type":1},{"block":1,"row":2,"number":3,"seat_type":1},{"block":1,"row":2,"number":4,"seat_type":1},{"block":1,"row":2,"number":5,"seat_type":1},{"block":1,"row":2,"number":6,"seat_type":1},{"block":1,"row":2,"number":7,"seat_type":1},{"block":1,"row":2,"number":8,"seat_type":1},{"block":1,"row":2,"number":9,"seat_type":1},{"block":1,"row":2,"number":10,"seat_type":1},{"block":1,"row":3,"number":1,"seat_type":1},{"block":1,"row":3,"number":2,"seat_type":1},{"block":1,"row":3,"number":3,"seat_type":1},{"block":1,"row":3,"number":4,"seat_type":1},{"block":1,"row":3,"number":5,"seat_type":1},{"block":1,"row":3,"number":6,"seat_type":1},{"block":1,"row":3,"number":7,"seat_type":1},{"block":1,"row":3,"number":8,"seat_type":1},{"block":1,"row":3,"number":9,"seat_type":1},{"block":1,"row":3,"number":10,"seat_type":1},{"block":1,"row":4,"number":1,"seat_type":1},{"block":1,"row":4,"number":2,"seat_type":1},{"block":1,"row":4,"number":3,"seat_type":1},{"block":1,"row":4,"number":4,"seat_type":1},{"block":1,"row":4,"number":5,"seat_type":1},{"block":1,"row":4,"number":6,"seat_type":1},{"block":1,"row":4,"number":7,"seat_type":1},{"block":1,"row":4,"number":8,"seat_type":1},{"block":1,"row":4,"number":9,"seat_type":1},{"block":1,"row":4,"number":10,"seat_type":1},{"block":2,"row":1,"number":1,"seat_type":2},{"block":2,"row":1,"number":2,"seat_type":2},{"block":2,"row":1,"number":3,"seat_type":2},{"block":2,"row":1,"number":4,"seat_type":2},{"block":2,"row":1,"number":5,"seat_type":2},{"block":2,"row":1,"number":6,"seat_type":2},{"block":2,"row":1,"number":7,"seat_type":2},{"block":2,"row":1,"number":8,"seat_type":2},{"block":2,"row":1,"number":9,"seat_type":2},{"block":2,"row":1,"number":10,"seat_type":2},{"block":2,"row":2,"number":1,"seat_type":2},{"block":2,"row":2,"number":2,"seat_type":2},{"block":2,"row":2,"number":3,"seat_type":2},{"block":2,"row":2,"number":4,"seat_type":2},{"block":2,"row":2,"number":5,"seat_type":2},{"block":2,"row":2,"number":6,"seat_type":2},{"block":2,"row":2,"number":7,"seat_type":2},{"block":2,"row":2,"number":8,"seat_type":2},{"block":2,"row":2,"number":9,"seat_type":2},{"block":2,"row":2,"number":10,"seat_type":2},{"block":2,"row":3,"number":1,"seat_type":2},{"block":2,"row":3,"number":2,"seat_type":2},{"block":2,"row":3,"number":3,"seat_type":2},{"block":2,"row":3,"number":4,"seat_type":2},{"block":2,"row":3,"number":5,"seat_type":2},{"block":2,"row":3,"number":6,"seat_type":2},{"block":2,"row":3,"number":7,"seat_type":2},{"block":2,"row":3,"number":8,"seat_type":2},{"block":2,"row":3,"number":9,"seat_type":2},{"block":2,"row":3,"number":10,"seat_type":2},{"block":2,"row":4,"number":1,"seat_type":2},{"block":2,"row":4,"number":2,"seat_type":2},{"block":2,"row":4,"number":3,"seat_type":2},{"block":2,"row":4,"number":4,"seat_type":2},{"block":2,"row":4,"number":5,"seat_type":2},{"block":2,"row":4,"number":6,"seat_type":2},{"block":2,"row":4,"number":7,"seat_type":2},{"block":2,"row":4,"number":8,"seat_type":2},{"block":2,"row":4,"number":9,"seat_type":2},{"block":2,"row":4,"number":10,"seat_type":2}],"areas":[{"id":1,"name":"Standing Area","gate":2,"guidance":"Follow the green signs to the front of the stage.","capacity":50,"seat_type":3}]}}','{"1":8900,"2":5900,"3":3900}',1790000000,1);
CREATE TABLE event_distributors (
        event BIGINT NOT NULL REFERENCES events (id),
        distributor BIGINT NOT NULL REFERENCES distributors (id),
        policy TEXT NOT NULL,
        PRIMARY KEY (event, distributor));
INSERT INTO event_distributors VALUES(2026,1,'{"kind":"first_come_first_served","per_member_limit":null,"hold_until":null}');
CREATE TABLE tickets (
        event BIGINT NOT NULL REFERENCES events (id),
        serial BIGINT NOT NULL,
        place TEXT NOT NULL,
        seat_type BIGINT NOT NULL,
        price BIGINT NOT NULL,
        distributor BIGINT,
        state TEXT NOT NULL CHECK (state IN
            ('available', 'held', 'authenticated', 'issued', 'transferred', 'revoked', 'used')),
        generation BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (event, serial));
INSERT INTO tickets VALUES(2026,1,'{"Seat":{"block":1,"row":1,"number":1}}',1,8900,1,'revoked',0);
INSERT INTO tickets VALUES(2026,2,'{"Seat":{"block":1,"row":1,"number":2}}',1,8900,1,'issued',0);
INSERT INTO tickets VALUES(2026,3,'{"Seat":{"block":1,"row":1,"number":3}}',1,8900,1,'issued',0);
INSERT INTO tickets VALUES(2026,4,'{"Seat":{"block":1,"row":1,"number":4}}',1,8900,1,'issued',0);
INSERT INTO tickets VALUES(2026,5,'{"Seat":{"block":1,"row":1,"number":5}}',1,8900,1,'issued',0);
INSERT INTO tickets VALUES(2026,6,'{"Seat":{"block":1,"row":1,"number":6}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,7,'{"Seat":{"block":1,"row":1,"number":7}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,8,'{"Seat":{"block":1,"row":1,"number":8}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,9,'{"Seat":{"block":1,"row":1,"number":9}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,10,'{"Seat":{"block":1,"row":1,"number":10}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,11,'{"Seat":{"block":1,"row":2,"number":1}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,12,'{"Seat":{"block":1,"row":2,"number":2}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,13,'{"Seat":{"block":1,"row":2,"number":3}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,14,'{"Seat":{"block":1,"row":2,"number":4}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,15,'{"Seat":{"block":1,"row":2,"number":5}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,16,'{"Seat":{"block":1,"row":2,"number":6}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,17,'{"Seat":{"block":1,"row":2,"number":7}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,18,'{"Seat":{"block":1,"row":2,"number":8}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,19,'{"Seat":{"block":1,"row":2,"number":9}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,20,'{"Seat":{"block":1,"row":2,"number":10}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,21,'{"Seat":{"block":1,"row":3,"number":1}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,22,'{"Seat":{"block":1,"row":3,"number":2}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,23,'{"Seat":{"block":1,"row":3,"number":3}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,24,'{"Seat":{"block":1,"row":3,"number":4}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,25,'{"Seat":{"block":1,"row":3,"number":5}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,26,'{"Seat":{"block":1,"row":3,"number":6}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,27,'{"Seat":{"block":1,"row":3,"number":7}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,28,'{"Seat":{"block":1,"row":3,"number":8}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,29,'{"Seat":{"block":1,"row":3,"number":9}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,30,'{"Seat":{"block":1,"row":3,"number":10}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,31,'{"Seat":{"block":1,"row":4,"number":1}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,32,'{"Seat":{"block":1,"row":4,"number":2}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,33,'{"Seat":{"block":1,"row":4,"number":3}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,34,'{"Seat":{"block":1,"row":4,"number":4}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,35,'{"Seat":{"block":1,"row":4,"number":5}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,36,'{"Seat":{"block":1,"row":4,"number":6}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,37,'{"Seat":{"block":1,"row":4,"number":7}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,38,'{"Seat":{"block":1,"row":4,"number":8}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,39,'{"Seat":{"block":1,"row":4,"number":9}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,40,'{"Seat":{"block":1,"row":4,"number":10}}',1,8900,1,'available',0);
INSERT INTO tickets VALUES(2026,41,'{"Seat":{"block":2,"row":1,"number":1}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,42,'{"Seat":{"block":2,"row":1,"number":2}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,43,'{"Seat":{"block":2,"row":1,"number":3}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,44,'{"Seat":{"block":2,"row":1,"number":4}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,45,'{"Seat":{"block":2,"row":1,"number":5}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,46,'{"Seat":{"block":2,"row":1,"number":6}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,47,'{"Seat":{"block":2,"row":1,"number":7}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,48,'{"Seat":{"block":2,"row":1,"number":8}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,49,'{"Seat":{"block":2,"row":1,"number":9}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,50,'{"Seat":{"block":2,"row":1,"number":10}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,51,'{"Seat":{"block":2,"row":2,"number":1}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,52,'{"Seat":{"block":2,"row":2,"number":2}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,53,'{"Seat":{"block":2,"row":2,"number":3}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,54,'{"Seat":{"block":2,"row":2,"number":4}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,55,'{"Seat":{"block":2,"row":2,"number":5}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,56,'{"Seat":{"block":2,"row":2,"number":6}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,57,'{"Seat":{"block":2,"row":2,"number":7}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,58,'{"Seat":{"block":2,"row":2,"number":8}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,59,'{"Seat":{"block":2,"row":2,"number":9}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,60,'{"Seat":{"block":2,"row":2,"number":10}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,61,'{"Seat":{"block":2,"row":3,"number":1}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,62,'{"Seat":{"block":2,"row":3,"number":2}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,63,'{"Seat":{"block":2,"row":3,"number":3}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,64,'{"Seat":{"block":2,"row":3,"number":4}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,65,'{"Seat":{"block":2,"row":3,"number":5}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,66,'{"Seat":{"block":2,"row":3,"number":6}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,67,'{"Seat":{"block":2,"row":3,"number":7}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,68,'{"Seat":{"block":2,"row":3,"number":8}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,69,'{"Seat":{"block":2,"row":3,"number":9}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,70,'{"Seat":{"block":2,"row":3,"number":10}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,71,'{"Seat":{"block":2,"row":4,"number":1}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,72,'{"Seat":{"block":2,"row":4,"number":2}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,73,'{"Seat":{"block":2,"row":4,"number":3}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,74,'{"Seat":{"block":2,"row":4,"number":4}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,75,'{"Seat":{"block":2,"row":4,"number":5}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,76,'{"Seat":{"block":2,"row":4,"number":6}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,77,'{"Seat":{"block":2,"row":4,"number":7}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,78,'{"Seat":{"block":2,"row":4,"number":8}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,79,'{"Seat":{"block":2,"row":4,"number":9}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,80,'{"Seat":{"block":2,"row":4,"number":10}}',2,5900,1,'available',0);
INSERT INTO tickets VALUES(2026,81,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,82,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,83,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,84,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,85,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,86,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,87,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,88,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,89,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,90,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,91,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,92,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,93,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,94,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,95,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,96,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,97,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,98,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,99,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,100,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,101,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,102,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,103,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,104,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,105,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,106,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,107,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,108,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,109,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,110,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,111,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,112,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,113,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,114,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,115,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,116,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,117,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,118,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,119,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,120,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,121,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,122,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,123,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,124,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,125,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,126,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,127,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,128,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,129,'{"Area":1}',3,3900,1,'available',0);
INSERT INTO tickets VALUES(2026,130,'{"Area":1}',3,3900,1,'available',0);
CREATE TABLE issuing_records (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        member BIGINT,
        holder TEXT NOT NULL,
        decided_at BIGINT NOT NULL,
        hold_until BIGINT,
        PRIMARY KEY (event, serial),
        FOREIGN KEY (event, serial) REFERENCES tickets (event, serial));
INSERT INTO issuing_records VALUES(2026,1,1,NULL,'paper',1790000000,NULL);
INSERT INTO issuing_records VALUES(2026,2,1,NULL,'paper',1790000000,NULL);
INSERT INTO issuing_records VALUES(2026,3,1,NULL,'paper',1790000000,NULL);
INSERT INTO issuing_records VALUES(2026,4,1,NULL,'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',1790000000,NULL);
INSERT INTO issuing_records VALUES(2026,5,1,NULL,'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',1790000000,NULL);
CREATE TABLE issued (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        holder TEXT NOT NULL,
        ticket BLOB NOT NULL,
        issued_at BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('valid', 'transferred', 'revoked')),
        PRIMARY KEY (event, serial, generation),
        FOREIGN KEY (event, serial) REFERENCES issuing_records (event, serial));
INSERT INTO issued VALUES(2026,1,0,'paper',X'010001ea0f01000001010101f0dac4d506d08c0180f7c4d506000100b1fe5e45197629c90ae6c7bc5ba8f16f0194d9e64116c91d4d562a84ab9c3e5d780173946209ff3627f1b9b7a74ce4d31e80b2d55ad8fead5b1c05abad247337',1790000000,'revoked');
INSERT INTO issued VALUES(2026,2,0,'paper',X'010001ea0f02000001010201f0dac4d506d08c0180f7c4d506000100e6b99326a34b1c8904ce741bca15afabf679c203c24cbbb0281ae69d6a5d39df5fc6b124b7e74445f16e2e8339740a13c40b6055a2548ff5c9bce4addde723f6',1790000000,'valid');
INSERT INTO issued VALUES(2026,3,0,'paper',X'010001ea0f03000001010301f0dac4d506d08c0180f7c4d5060001003684cd322a6bcf46f6b31e2d5fc95821f29d867b8e075687635bdd24818267a315a6ccbf22f5c0363d727bbe6f51adcdca768bae997908135a31259899ab8cc4',1790000000,'valid');
INSERT INTO issued VALUES(2026,4,0,'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',X'010001ea0f04000001010401f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a010084a0a039636eec008c6e14f2ec50d1b7f0685bde07e1ea1dc6112aafa5aa3b2d0cbe5e39895a8194a0f1f299cf607e484633e535332cac1bb9363a07c46f5e5d',1790000000,'valid');
INSERT INTO issued VALUES(2026,5,0,'chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a',X'010001ea0f05000001010501f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0100a150b4f843b5b158182ca08728eae0f2a38640b886e2263c8a4a19a83c07db5f36494e3a05893501ce42f5fc5780487095afcf477c68b74fe0da8d86ff499eab',1790000000,'valid');
CREATE TABLE members (
        distributor BIGINT NOT NULL REFERENCES distributors (id),
        member BIGINT NOT NULL,
        name TEXT NOT NULL,
        chip TEXT NOT NULL,
        registered_at BIGINT NOT NULL,
        PRIMARY KEY (distributor, member));
CREATE TABLE lotteries (
        event BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        seed BLOB NOT NULL,
        seed_hash BLOB NOT NULL,
        opens BIGINT NOT NULL,
        closes BIGINT NOT NULL,
        seats BIGINT NOT NULL,
        drawn_at BIGINT,
        PRIMARY KEY (event, distributor),
        FOREIGN KEY (event, distributor) REFERENCES event_distributors (event, distributor));
CREATE TABLE lottery_applications (
        event BIGINT NOT NULL,
        distributor BIGINT NOT NULL,
        holder TEXT NOT NULL,
        member BIGINT,
        quantity BIGINT NOT NULL,
        seat_type BIGINT,
        applied_at BIGINT NOT NULL,
        result TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'won', 'lost')),
        PRIMARY KEY (event, distributor, holder),
        FOREIGN KEY (event, distributor) REFERENCES lotteries (event, distributor));
CREATE TABLE transfers (
        id TEXT PRIMARY KEY,
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        from_chip TEXT NOT NULL,
        to_chip TEXT NOT NULL,
        request BLOB NOT NULL,
        requested_at BIGINT NOT NULL,
        effective_at BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'cancelled', 'completed')),
        finished_at BIGINT,
        FOREIGN KEY (event, serial) REFERENCES tickets (event, serial));
CREATE TABLE revocations (
        event BIGINT NOT NULL,
        serial BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        version BIGINT NOT NULL,
        PRIMARY KEY (event, serial, generation));
INSERT INTO revocations VALUES(2026,1,0,1);
CREATE TABLE idempotency (
        principal TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash BLOB NOT NULL,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (principal, key));
INSERT INTO idempotency VALUES('operator','d1',X'bb4d3b6e6b14577b60d62ce3752812ab09136632b38d1cf7c03193c274a4678f','1',1790000000);
INSERT INTO idempotency VALUES('organizer:1','reg',X'5e7d5b0138e44dd2b0899748cc0b11ce0fdd7349885973658c0a5663f9de428f','{"event":2026,"tickets":130}',1790000000);
INSERT INTO idempotency VALUES('organizer:1','sel',X'1df343c1f91863870afd56bc18633d51deb0ea520bdef0d0f202c9b834a68f87','null',1790000000);
INSERT INTO idempotency VALUES('organizer:1','ratio',X'18107ec4e95fa1b109ba00f1ce77d3033a9474104546e71f8bbb097e787ed287','{"event":2026,"allotted":[[1,130]],"unallotted":0}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','sale-paper',X'11963627d2e47974fc0cc62c67061b29fbd7cda5e90e1d4eac5aaa302dac8438','{"records":[{"event":2026,"serial":1,"place":{"Seat":{"block":1,"row":1,"number":1}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":2,"place":{"Seat":{"block":1,"row":1,"number":2}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":3,"place":{"Seat":{"block":1,"row":1,"number":3}},"seat_type":1,"distributor":1,"member":null,"holder":"paper","decided_at":1790000000,"hold_until":null}]}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','sale-chip',X'eb8efbbb13907cb5ad59948e5e53214845b1a018409c3c463089289126438574','{"records":[{"event":2026,"serial":4,"place":{"Seat":{"block":1,"row":1,"number":4}},"seat_type":1,"distributor":1,"member":null,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","decided_at":1790000000,"hold_until":null},{"event":2026,"serial":5,"place":{"Seat":{"block":1,"row":1,"number":5}},"seat_type":1,"distributor":1,"member":null,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","decided_at":1790000000,"hold_until":null}]}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','issue-1',X'a4347c1b21efe495e17afc853009ca1886329fe42faf78edc8eda6cccb98a474','{"ticket":{"event":2026,"serial":1,"generation":0,"holder":"paper","ticket":"010001ea0f01000001010101f0dac4d506d08c0180f7c4d506000100b1fe5e45197629c90ae6c7bc5ba8f16f0194d9e64116c91d4d562a84ab9c3e5d780173946209ff3627f1b9b7a74ce4d31e80b2d55ad8fead5b1c05abad247337","issued_at":1790000000},"grant":null}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','issue-2',X'52855df518f951a78978cc5583152a8254c895d7c5ffc19c647f5ee218ab705a','{"ticket":{"event":2026,"serial":2,"generation":0,"holder":"paper","ticket":"010001ea0f02000001010201f0dac4d506d08c0180f7c4d506000100e6b99326a34b1c8904ce741bca15afabf679c203c24cbbb0281ae69d6a5d39df5fc6b124b7e74445f16e2e8339740a13c40b6055a2548ff5c9bce4addde723f6","issued_at":1790000000},"grant":null}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','issue-3',X'99142fc308a83d88efa219191be1553467433bedf8de8dd5a9f50758b75b3dcf','{"ticket":{"event":2026,"serial":3,"generation":0,"holder":"paper","ticket":"010001ea0f03000001010301f0dac4d506d08c0180f7c4d5060001003684cd322a6bcf46f6b31e2d5fc95821f29d867b8e075687635bdd24818267a315a6ccbf22f5c0363d727bbe6f51adcdca768bae997908135a31259899ab8cc4","issued_at":1790000000},"grant":null}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','issue-4',X'03e11e3550ed867be5f7a611414de5950cc988da363b5d3bb18074687c091ad1','{"ticket":{"event":2026,"serial":4,"generation":0,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","ticket":"010001ea0f04000001010401f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a010084a0a039636eec008c6e14f2ec50d1b7f0685bde07e1ea1dc6112aafa5aa3b2d0cbe5e39895a8194a0f1f299cf607e484633e535332cac1bb9363a07c46f5e5d","issued_at":1790000000},"grant":{"op":"Write","chip":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","counter":0,"slot":0,"payload_hash":"5b1a3a7aaac770aae31d9a5e13b0d666c6ea41ffc4053e4e26f4cf9389d6e7d5","expires":1790000900,"grant":"010002005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a00005b1a3a7aaac770aae31d9a5e13b0d666c6ea41ffc4053e4e26f4cf9389d6e7d584fec4d50630bc33644d88c7141f4dd1e67da505a6a70c0781b9941d8bc041861a899d582b712f1b94b397e31b8741a96e271672d66b0473098de656867b421462bc52d7c3"}}',1790000000);
INSERT INTO idempotency VALUES('distributor:1','issue-5',X'e07dd6d1ec31bb0548161c583f545a4e1f12bb8c62decc1bc1ba25409c686f8c','{"ticket":{"event":2026,"serial":5,"generation":0,"holder":"chip:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","ticket":"010001ea0f05000001010501f0dac4d506d08c0180f7c4d506015a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0100a150b4f843b5b158182ca08728eae0f2a38640b886e2263c8a4a19a83c07db5f36494e3a05893501ce42f5fc5780487095afcf477c68b74fe0da8d86ff499eab","issued_at":1790000000},"grant":{"op":"Write","chip":"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a","counter":1,"slot":1,"payload_hash":"a288d4ec0896b30eea376723dd645088fe91fe7dae67af475ba048f6bce78f69","expires":1790000900,"grant":"010002005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0101a288d4ec0896b30eea376723dd645088fe91fe7dae67af475ba048f6bce78f6984fec4d506e9307a384d63994c0d2c5d8f08bfbcb3d26a2ed40ba691d2242e6bac598a82bf16943dae4db9da40f6e712c286eefbd1a3e95e9843c24683e198618cf484e797"}}',1790000000);
INSERT INTO idempotency VALUES('organizer:1','revoke',X'7013ca04de4471592480faeba8b6472a5cea4ba9cad17add0f5284b5b8a52852','1',1790000000);
CREATE INDEX tickets_allotment ON tickets (event, distributor, state, seat_type, serial);
CREATE INDEX issuing_records_member ON issuing_records (event, distributor, member);
CREATE INDEX issuing_records_holder ON issuing_records (event, holder);
CREATE UNIQUE INDEX issued_one_valid ON issued (event, serial) WHERE status = 'valid';
CREATE UNIQUE INDEX members_chip ON members (distributor, chip);
CREATE UNIQUE INDEX transfers_one_pending ON transfers (event, serial) WHERE state = 'pending';
CREATE INDEX transfers_due ON transfers (state, effective_at);
CREATE INDEX revocations_version ON revocations (event, version);
COMMIT;
