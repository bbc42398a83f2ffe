"""The fixed part of the demo: the eight ports that took appointments, and shelters along the border."""

from __future__ import annotations

# (code, name, city, address, time zone, seats per day). About 1,450 seats a day in all.
PORTS = [
    (
        "SYS",
        "San Ysidro",
        "San Diego, CA",
        "720 E San Ysidro Blvd, San Diego, CA 92173 (PedWest entrance)",
        "America/Los_Angeles",
        390,
    ),
    ("CAL", "Calexico West", "Calexico, CA", "200 E 1st St, Calexico, CA 92231", "America/Los_Angeles", 60),
    ("NOG", "Nogales DeConcini", "Nogales, AZ", "9 N Grand Ave, Nogales, AZ 85621", "America/Phoenix", 100),
    (
        "ELP",
        "El Paso Paso del Norte",
        "El Paso, TX",
        "1000 S El Paso St, El Paso, TX 79901",
        "America/Denver",
        250,
    ),
    ("EGP", "Eagle Pass", "Eagle Pass, TX", "500 Adams St, Eagle Pass, TX 78852", "America/Chicago", 150),
    (
        "LAR",
        "Laredo Gateway to the Americas",
        "Laredo, TX",
        "0 Convent Ave, Laredo, TX 78040",
        "America/Chicago",
        200,
    ),
    ("HID", "Hidalgo", "Hidalgo, TX", "1 S International Blvd, Hidalgo, TX 78557", "America/Chicago", 200),
    (
        "BRO",
        "Brownsville Gateway",
        "Brownsville, TX",
        "1001 E Elizabeth St, Brownsville, TX 78520",
        "America/Chicago",
        100,
    ),
]
SLOTS = ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]
WORKDAYS = range(7)  # appointments every day of the week

# Shelters are invented: the names are generic, the cities real.
SHELTERS = [
    ("Casa Esperanza", "Tijuana", 320, "+526640000101"),
    ("Albergue Camino", "Mexicali", 150, "+526860000102"),
    ("Casa del Norte", "Nogales", 120, "+526310000103"),
    ("Refugio Paso Seguro", "Ciudad Juárez", 400, "+526560000104"),
    ("Albergue Río Bravo", "Piedras Negras", 180, "+528780000105"),
    ("Casa Puente", "Nuevo Laredo", 220, "+528670000106"),
    ("Albergue Senda", "Reynosa", 350, "+528990000107"),
    ("Casa Frontera", "Matamoros", 260, "+528680000108"),
]

# Synthetic name parts, combined at random: no real person is described.
GIVEN = [
    "Ana",
    "Luis",
    "María",
    "José",
    "Carmen",
    "Jean",
    "Marie",
    "Pierre",
    "Rose",
    "Daniela",
    "Carlos",
    "Yolanda",
    "Wilson",
    "Fabiola",
    "Esther",
    "Miguel",
    "Lucía",
    "Andrés",
    "Sofía",
    "Kervens",
    "Nadège",
    "Jonas",
    "Roseline",
    "Valentina",
    "Mateo",
    "Camila",
    "Diego",
    "Paola",
    "Samuel",
    "Isabel",
]
FAMILY = [
    "García",
    "Hernández",
    "López",
    "Pérez",
    "Joseph",
    "Pierre",
    "Louis",
    "Jean-Baptiste",
    "Martínez",
    "Rodríguez",
    "Gómez",
    "Silva",
    "Santos",
    "Oliveira",
    "Charles",
    "Desir",
    "Ramírez",
    "Torres",
    "Flores",
    "Castillo",
    "Morales",
    "Ortiz",
    "Baptiste",
    "Saint-Fleur",
    "Mendoza",
    "Rojas",
    "Vargas",
    "Cruz",
]
NATIONALITIES = ["VE", "HT", "HN", "GT", "SV", "MX", "CO", "EC", "CU", "NI", "PE", "BR"]
