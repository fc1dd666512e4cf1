-- Catalogue, yearly/monthly orders, their line items, provisioned resources and partner-granted
-- discounts. Money in cents, times in UTC Unix ms, flags and codes as 64-bit integers.
--
-- The catalogue is reference data every deployment needs (list_service_types,
-- list_resource_types and price quotes answer from it), so this migration loads a realistic
-- starting catalogue; operators edit it in the console afterwards.

CREATE TABLE catalog_service_types (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    sort_order BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE catalog_resource_types (
    code TEXT PRIMARY KEY,
    service_type_code TEXT NOT NULL REFERENCES catalog_service_types(code),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    desc_zh TEXT NOT NULL DEFAULT '',
    desc_en TEXT NOT NULL DEFAULT '',
    sort_order BIGINT NOT NULL DEFAULT 0
);

-- One sellable product: a resource spec of a resource type in a region. Linear products (disks,
-- bandwidth: size_measure_id set) are priced per unit of size. Prices may be absent (not sold
-- that way).
CREATE TABLE catalog_products (
    id TEXT PRIMARY KEY,
    service_type_code TEXT NOT NULL REFERENCES catalog_service_types(code),
    resource_type_code TEXT NOT NULL REFERENCES catalog_resource_types(code),
    resource_spec TEXT NOT NULL,
    region TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    spec_desc_zh TEXT NOT NULL DEFAULT '',
    spec_desc_en TEXT NOT NULL DEFAULT '',
    size_measure_id BIGINT,
    month_price BIGINT,
    year_price BIGINT,
    hour_price BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (service_type_code, resource_type_code, resource_spec, region)
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    service_type_code TEXT NOT NULL,
    source_type BIGINT NOT NULL,
    status BIGINT NOT NULL,
    order_type BIGINT NOT NULL,
    official_amount BIGINT NOT NULL,
    amount_after_discount BIGINT NOT NULL,
    discount_amount BIGINT NOT NULL DEFAULT 0,
    discount_type TEXT,
    discount_id TEXT,
    coupon_amount BIGINT NOT NULL DEFAULT 0,
    flexipurchase_coupon_amount BIGINT NOT NULL DEFAULT 0,
    stored_card_amount BIGINT NOT NULL DEFAULT 0,
    cash_amount BIGINT NOT NULL DEFAULT 0,
    commission_amount BIGINT NOT NULL DEFAULT 0,
    consumed_amount BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    user_name TEXT NOT NULL,
    base_order_id TEXT,
    pay_transfer_id TEXT,
    created_at BIGINT NOT NULL,
    payment_deadline BIGINT,
    paid_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason TEXT
);
CREATE INDEX orders_partner ON orders(partner_id, created_at);
CREATE INDEX orders_customer ON orders(customer_id, created_at);
CREATE INDEX orders_root ON orders(root_id, created_at);
CREATE INDEX orders_pending ON orders(status, payment_deadline);

CREATE TABLE order_lines (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    seq BIGINT NOT NULL,
    product_id TEXT NOT NULL REFERENCES catalog_products(id),
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    product_spec_desc TEXT NOT NULL,
    region TEXT NOT NULL,
    period_type BIGINT NOT NULL,
    period_num BIGINT,
    subscription_num BIGINT NOT NULL,
    resource_size BIGINT,
    official_amount BIGINT NOT NULL,
    amount_after_discount BIGINT NOT NULL,
    discount_amount BIGINT NOT NULL DEFAULT 0,
    effective_at BIGINT,
    expire_at BIGINT
);
CREATE INDEX order_lines_order ON order_lines(order_id, seq);

CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    order_id TEXT NOT NULL REFERENCES orders(id),
    order_line_id TEXT NOT NULL REFERENCES order_lines(id),
    product_id TEXT NOT NULL,
    service_type_code TEXT NOT NULL,
    resource_type_code TEXT NOT NULL,
    resource_spec TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    is_main BIGINT NOT NULL DEFAULT 1,
    parent_id TEXT,
    status BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    expire_policy BIGINT NOT NULL DEFAULT 0,
    auto_renew_times BIGINT,
    auto_renew_period TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX resources_customer ON resources(customer_id, expire_at);
CREATE INDEX resources_order ON resources(order_id);

-- A discount a partner grants one of its customers, on one product or (product_id NULL) on every
-- product; ratio in basis points of the list price that is paid (8500 = 85%, "8.5折").
CREATE TABLE partner_discounts (
    id TEXT PRIMARY KEY,
    root_id TEXT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    product_id TEXT REFERENCES catalog_products(id),
    ratio_bp BIGINT NOT NULL CHECK (ratio_bp > 0 AND ratio_bp < 10000),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX partner_discounts_customer ON partner_discounts(customer_id, revoked_at);

INSERT INTO catalog_service_types (code, name_zh, name_en, abbreviation, sort_order) VALUES
    ('hws.service.type.ec2', '弹性云服务器', 'Elastic Cloud Server', 'ECS', 1),
    ('hws.service.type.ebs', '云硬盘', 'Elastic Volume Service', 'EVS', 2),
    ('hws.service.type.obs', '对象存储服务', 'Object Storage Service', 'OBS', 3),
    ('hws.service.type.rds', '云数据库 RDS', 'Relational Database Service', 'RDS', 4),
    ('hws.service.type.vpc', '虚拟私有云', 'Virtual Private Cloud', 'VPC', 5),
    ('hws.service.type.dcs', '分布式缓存服务', 'Distributed Cache Service', 'DCS', 6);

INSERT INTO catalog_resource_types (code, service_type_code, name_zh, name_en, desc_zh, desc_en, sort_order) VALUES
    ('hws.resource.type.vm', 'hws.service.type.ec2', '云主机', 'Cloud server', '弹性云服务器实例', 'An ECS instance', 1),
    ('hws.resource.type.volume', 'hws.service.type.ebs', '云硬盘', 'Disk', '块存储卷', 'A block storage volume', 2),
    ('hws.resource.type.obs.package', 'hws.service.type.obs', '存储资源包', 'Storage package', '标准存储包', 'Standard storage package', 3),
    ('hws.resource.type.rds.vm', 'hws.service.type.rds', '数据库实例', 'Database instance', 'RDS 数据库实例', 'An RDS instance', 4),
    ('hws.resource.type.bandwidth', 'hws.service.type.vpc', '带宽', 'Bandwidth', '按带宽计费', 'Billed by bandwidth', 5),
    ('hws.resource.type.ip', 'hws.service.type.vpc', '弹性公网IP', 'Elastic IP', '公网 IP 地址', 'A public IP address', 6),
    ('hws.resource.type.dcs', 'hws.service.type.dcs', '缓存实例', 'Cache instance', 'Redis 实例', 'A Redis instance', 7);

INSERT INTO catalog_products (id, service_type_code, resource_type_code, resource_spec, region, name_zh, name_en, spec_desc_zh, spec_desc_en, size_measure_id, month_price, year_price, hour_price, active, created_at, updated_at) VALUES
    ('ecs-s6-small-1-linux', 'hws.service.type.ec2', 'hws.resource.type.vm', 's6.small.1.linux', 'cn-north-4', '通用计算型 s6.small.1 Linux', 'General computing s6.small.1 Linux', '1vCPU 1GiB Linux', '1 vCPU, 1 GiB, Linux', NULL, 3500, 35700, 7, 1, 0, 0),
    ('ecs-s6-large-2-linux', 'hws.service.type.ec2', 'hws.resource.type.vm', 's6.large.2.linux', 'cn-north-4', '通用计算型 s6.large.2 Linux', 'General computing s6.large.2 Linux', '2vCPU 4GiB Linux', '2 vCPUs, 4 GiB, Linux', NULL, 11900, 121400, 24, 1, 0, 0),
    ('ecs-c7-xlarge-2-win', 'hws.service.type.ec2', 'hws.resource.type.vm', 'c7.xlarge.2.win', 'cn-north-4', '计算增强型 c7.xlarge.2 Windows', 'Compute-optimized c7.xlarge.2 Windows', '4vCPU 8GiB Windows', '4 vCPUs, 8 GiB, Windows', NULL, 52800, 538600, 105, 1, 0, 0),
    ('evs-ssd', 'hws.service.type.ebs', 'hws.resource.type.volume', 'SSD', 'cn-north-4', '超高IO云硬盘', 'Ultra-high I/O disk', '每 GB', 'per GB', 17, 100, 1000, 0, 1, 0, 0),
    ('evs-sas', 'hws.service.type.ebs', 'hws.resource.type.volume', 'SAS', 'cn-north-4', '高IO云硬盘', 'High I/O disk', '每 GB', 'per GB', 17, 35, 350, 0, 1, 0, 0),
    ('obs-standard-100g', 'hws.service.type.obs', 'hws.resource.type.obs.package', 'obs.standard.100g', 'cn-north-4', '标准存储包 100GB', 'Standard storage package 100 GB', '100GB 标准存储', '100 GB standard storage', NULL, 990, 9900, NULL, 1, 0, 0),
    ('rds-mysql-2u4g', 'hws.service.type.rds', 'hws.resource.type.rds.vm', 'rds.mysql.n1.large.2', 'cn-north-4', '云数据库 MySQL 2核4GB 单机', 'RDS for MySQL 2 vCPUs 4 GB single', '2vCPU 4GB 单机', '2 vCPUs, 4 GB, single', NULL, 26000, 265200, 54, 1, 0, 0),
    ('vpc-bandwidth-bgp', 'hws.service.type.vpc', 'hws.resource.type.bandwidth', '19_bgp', 'cn-north-4', '动态BGP带宽（按带宽计费）', 'Dynamic BGP bandwidth (by bandwidth)', '每 Mbit/s', 'per Mbit/s', 15, 2300, 23460, 8, 1, 0, 0),
    ('vpc-eip-bgp', 'hws.service.type.vpc', 'hws.resource.type.ip', '5_bgp', 'cn-north-4', '动态BGP公网IP', 'Dynamic BGP EIP', '1 个 IP', '1 IP address', NULL, 2000, 20400, 2, 1, 0, 0),
    ('dcs-redis-2g', 'hws.service.type.dcs', 'hws.resource.type.dcs', 'redis.ha.xu1.large.r2.2', 'cn-north-4', '分布式缓存 Redis 2GB 主备', 'DCS Redis 2 GB master/standby', '2GB 主备', '2 GB master/standby', NULL, 19000, 193800, 39, 1, 0, 0);
